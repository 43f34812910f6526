//! Array messages: typed writes and zero-copy typed reads of every element
//! type and shape, the element type checked, corrupt headers refused.

use shmring::{ArrayRef, Bool, DType, Element, Error, Ring, BF16, F16};

/// Elements i = 0.. of each type, as distinct bit patterns.
trait Sample: Element + PartialEq + std::fmt::Debug {
    fn sample(i: usize) -> Self;
}
macro_rules! samples {
    ($($t:ty => $f:expr),* $(,)?) => { $(impl Sample for $t { fn sample(i: usize) -> Self { ($f)(i) } })* };
}
samples!(
    Bool => |i| Bool((i % 2) as u8), i8 => |i| (i as i8).wrapping_sub(3), i16 => |i| i as i16 * -300,
    i32 => |i| i as i32 * -70000, i64 => |i| i as i64 * -(1 << 40), u8 => |i| i as u8,
    u16 => |i| i as u16 * 999, u32 => |i| i as u32 * 100_000, u64 => |i| i as u64 * (1 << 50),
    F16 => |i| F16(0x3c00 + i as u16), f32 => |i| i as f32 * 0.25 - 1.0, f64 => |i| i as f64 * -1e300,
    BF16 => |i| BF16(0x3f80 + i as u16), [f32; 2] => |i| [i as f32, -(i as f32)],
    [f64; 2] => |i| [i as f64 * 0.5, 1.0 / (i as f64 + 1.0)],
);

const SHAPES: &[&[u64]] = &[&[], &[0], &[0, 3], &[7], &[2, 3, 1, 2]];

fn round_trip<T: Sample>() {
    let ring = Ring::create_anonymous(4096, 8).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for shape in SHAPES {
        let count: u64 = shape.iter().product();
        let data: Vec<T> = (0..count as usize).map(T::sample).collect();
        writer.write_array(shape, &data, b"user", None).unwrap();
        let mut slot = writer.reserve_array::<T>(shape, &[], None).unwrap();
        slot.copy_from_slice(&data);
        slot.commit().unwrap();
        for user in [&b"user"[..], &[]] {
            let view = reader.peek(None).unwrap();
            let array = ArrayRef::decode(&view).unwrap();
            assert_eq!((array.dtype(), array.shape(), array.user()), (T::DTYPE, *shape, user));
            assert_eq!(array.elements::<T>().unwrap(), &data[..]);
            assert_eq!(array.bytes().as_ptr() as usize % 64, 0, "64-byte aligned in the slot");
            view.release().unwrap();
        }
    }
}

#[test]
fn every_element_type_and_shape_round_trips() {
    round_trip::<Bool>();
    round_trip::<i8>();
    round_trip::<i16>();
    round_trip::<i32>();
    round_trip::<i64>();
    round_trip::<u8>();
    round_trip::<u16>();
    round_trip::<u32>();
    round_trip::<u64>();
    round_trip::<F16>();
    round_trip::<f32>();
    round_trip::<f64>();
    round_trip::<BF16>();
    round_trip::<[f32; 2]>();
    round_trip::<[f64; 2]>();
}

#[test]
fn the_element_type_is_checked() {
    let ring = Ring::create_anonymous(256, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write_array(&[3], &[1.0f32, 2.0, 3.0], &[], None).unwrap();
    let view = reader.peek(None).unwrap();
    let array = ArrayRef::decode(&view).unwrap();
    assert_eq!(format!("{:?}", array.dtype()), "float32");
    let Err(Error::Invalid(why)) = array.elements::<u32>() else { panic!("u32 over float32") };
    assert_eq!(why, "the array holds float32 elements, not uint32");
    assert!(array.elements::<[f32; 2]>().is_err());
    assert_eq!(DType::COMPLEX128.itemsize(), 16);
    assert_eq!(DType(0x12003).itemsize(), 0);
}

#[test]
fn bad_writes_are_refused_before_reserving() {
    let ring = Ring::create_anonymous(256, 2).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let Err(Error::Invalid(why)) = writer.write_array(&[2, 2], &[1u8, 2, 3], &[], None) else { panic!() };
    assert!(why.contains("3 elements do not make an array of shape [2, 2]"), "{why}");
    assert!(matches!(writer.write_array(&[300], &[0u8; 300], &[], None), Err(Error::TooLarge(_))));
    let Err(Error::Invalid(why)) = writer.reserve_array::<u8>(&[1; 33], &[], None) else { panic!() };
    assert!(why.contains("at most 32 dimensions"), "{why}");
    let Err(Error::Invalid(why)) = writer.reserve_array::<u8>(&[1], &[0; 5000], None) else { panic!() };
    assert!(why.contains("user header has at most 4096"), "{why}");
    drop(writer.reserve_array::<u8>(&[4], &[], None).unwrap()); // dropped: aborted
    writer.write(b"next", None).unwrap();
    assert_eq!(reader.read_vec(None).unwrap(), b"next");
}

#[test]
fn corrupt_headers_are_refused_field_by_field() {
    let ring = Ring::create_anonymous(512, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write_array(&[2, 3], &[0i32; 6], b"12345678", None).unwrap();
    let good = reader.read_vec(None).unwrap();
    let damages: &[(usize, &[u8], &str)] = &[
        (0, b"X", "SHMA"),
        (4, &[1], "format version 1"),
        (5, &[33], "33 dimensions"),
        (6, &[4], "unknown flags"),
        (8, &[9], "unknown element type"),
        (12, &[0xff, 0x7f], "user header"),
        (16, &[0x71], "64-byte boundary"),
        (24, &[7], "does not match"),
        (40, &[5], "not C order"),
    ];
    for (at, value, reason) in damages {
        let mut bad = good.clone();
        bad[*at..*at + value.len()].copy_from_slice(value);
        writer.write(&bad, None).unwrap();
        let view = reader.peek(None).unwrap();
        match ArrayRef::decode(&view) {
            Err(Error::Corrupt(why)) => assert!(why.contains(reason), "byte {at}: {why}"),
            other => panic!("byte {at}: {:?}", other.map(|a| a.dtype())),
        }
    }
    writer.write(&good[..good.len() - 1], None).unwrap();
    let view = reader.peek(None).unwrap();
    assert!(matches!(ArrayRef::decode(&view), Err(Error::Corrupt(why)) if why.contains("run past its end")));
}

#[test]
fn a_copy_at_an_odd_address_is_refused_not_misread() {
    let ring = Ring::create_anonymous(512, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write_array(&[4], &[1.5f64; 4], &[], None).unwrap();
    let message = reader.read_vec(None).unwrap();
    let mut shifted = vec![0u8; message.len() + 1];
    shifted[1..].copy_from_slice(&message);
    assert!(matches!(ArrayRef::decode(&shifted[1..]), Err(Error::Invalid(why)) if why.contains("aligned")));
}

#[test]
fn big_endian_elements_are_described_but_not_typed() {
    let ring = Ring::create_anonymous(512, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write_array(&[2], &[1u32, 2], &[], None).unwrap();
    let mut message = reader.read_vec(None).unwrap();
    message[6] = 1; // SHMRING_ARRAY_BIG_ENDIAN
    writer.write(&message, None).unwrap();
    let view = reader.peek(None).unwrap();
    let array = ArrayRef::decode(&view).unwrap();
    assert!(array.is_big_endian());
    assert!(matches!(array.elements::<u32>(), Err(Error::Invalid(why)) if why.contains("byte order")));
    assert_eq!(array.bytes(), &[1, 0, 0, 0, 2, 0, 0, 0]);
}

#[test]
fn randomly_corrupted_headers_are_refused_or_read_inside_the_message() {
    let header = shmring::array_header(DType::FLOAT32, &[2, 3, 2], b"user").unwrap();
    let good = [&header[..], &[0u8; 48]].concat();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for round in 0..20_000 {
        let mut message = good.clone();
        for _ in 0..1 + next(6) {
            message[next(header.len())] = next(256) as u8;
        }
        message.truncate(next(good.len() + 1));
        match ArrayRef::decode(&message) {
            Err(Error::Corrupt(why)) | Err(Error::Invalid(why)) => assert!(!why.is_empty(), "round {round}"),
            Err(other) => panic!("round {round}: {other:?}"),
            Ok(array) => {
                let size = array.dtype().itemsize();
                assert!(size > 0 && array.bytes().len() % size == 0, "round {round}");
                assert!(array.user().len() <= shmring::MAX_USER_BYTES && array.shape().len() <= shmring::MAX_NDIM);
            }
        }
    }
}
