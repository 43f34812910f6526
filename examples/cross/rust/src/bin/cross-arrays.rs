//! arrays: the Rust writer and reader of the cross-language array suite
//! (tests/cross/README.md, "Arrays"): every element type in every shape,
//! written with `Writer::reserve_array` (the strided one gathered from a
//! non-contiguous source), read zero-copy with `ArrayRef::decode` of a peek
//! and typed `elements::<T>()`, checked bit for bit.

use std::thread::sleep;
use std::time::{Duration, Instant};

use shmring::{ArrayRef, Bool, Element, Error, Reader, Ring, Writer, BF16, F16};
use shmring_cross::fail;

const WAIT: Option<Duration> = Some(Duration::from_secs(30));
const SHAPES: [&[u64]; 5] = [&[], &[0, 3], &[5], &[2, 3, 2, 2], &[3, 4]];
const STRIDED: usize = 4; // written from columns 0, 2, 4, 6 of a (3, 8) source
const TYPE_COUNT: usize = 15;

/// Byte k of element e of type t.
fn element_byte(t: usize, e: usize, k: usize) -> u8 {
    if t == 0 {
        (e % 2) as u8
    } else {
        (e * 7 + k * 3 + t * 11 + 1) as u8
    }
}

/// Runs `$body` with `$T` bound to the Rust type of suite type `$t`.
macro_rules! with_type {
    ($t:expr, $T:ident, $body:expr) => {
        match $t {
            0 => { type $T = Bool; $body }
            1 => { type $T = i8; $body }
            2 => { type $T = i16; $body }
            3 => { type $T = i32; $body }
            4 => { type $T = i64; $body }
            5 => { type $T = u8; $body }
            6 => { type $T = u16; $body }
            7 => { type $T = u32; $body }
            8 => { type $T = u64; $body }
            9 => { type $T = F16; $body }
            10 => { type $T = f32; $body }
            11 => { type $T = f64; $body }
            12 => { type $T = BF16; $body }
            13 => { type $T = [f32; 2]; $body }
            _ => { type $T = [f64; 2]; $body }
        }
    };
}

fn write_one<T: Element>(writer: &mut Writer, t: usize, s: usize) -> Result<(), Error> {
    let size = std::mem::size_of::<T>();
    let mut slot = writer.reserve_array::<T>(SHAPES[s], &[t as u8, s as u8], WAIT)?;
    let out = slot.as_bytes_mut();
    if s == STRIDED {
        // The source is (3, 8); the message is its even columns.
        let source: Vec<u8> = (0..24 * size)
            .map(|b| {
                let (i, k) = (b / size, b % size);
                if i % 2 == 1 { 0xEE } else { element_byte(t, (i / 8) * 4 + (i % 8) / 2, k) }
            })
            .collect();
        for e in 0..12 {
            let from = ((e / 4) * 8 + (e % 4) * 2) * size;
            out[e * size..(e + 1) * size].copy_from_slice(&source[from..from + size]);
        }
    } else {
        for (b, byte) in out.iter_mut().enumerate() {
            *byte = element_byte(t, b / size, b % size);
        }
    }
    slot.commit()
}

fn check_one<T: Element>(array: &ArrayRef<'_>, t: usize, s: usize) -> Result<(), String> {
    let elements = array.elements::<T>().map_err(|e| format!("array {t}/{s}: {e}"))?;
    let count: u64 = SHAPES[s].iter().product();
    let size = std::mem::size_of::<T>();
    let bytes = array.bytes();
    let want = (0..count as usize * size).map(|b| element_byte(t, b / size, b % size));
    if array.shape() != SHAPES[s] || array.user() != [t as u8, s as u8] || elements.len() != count as usize {
        return Err(format!("array {t}/{s}: shape {:?} user {:?}", array.shape(), array.user()));
    }
    let zero_copy = count == 0 || elements.as_ptr().cast::<u8>() == bytes.as_ptr();
    if !zero_copy || !bytes.iter().copied().eq(want) {
        return Err(format!("array {t}/{s}: the elements differ"));
    }
    Ok(())
}

fn read_suite(reader: &mut Reader) -> Result<(), String> {
    for t in 0..TYPE_COUNT {
        for s in 0..SHAPES.len() {
            let view = reader.peek(WAIT).map_err(|e| e.to_string())?;
            let array = ArrayRef::decode(&view).map_err(|e| format!("array {t}/{s}: {e}"))?;
            with_type!(t, T, {
                if array.dtype() != T::DTYPE {
                    return Err(format!("array {t}/{s}: {:?}, want {:?}", array.dtype(), T::DTYPE));
                }
                check_one::<T>(&array, t, s)?
            });
        }
    }
    match reader.peek(WAIT) {
        Err(Error::Closed(_)) => Ok(()),
        _ => Err(format!("expected the end of stream after {} arrays", TYPE_COUNT * SHAPES.len())),
    }
}

fn wait_for_readers(ring: &Ring, readers: u64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while ring.stats().map_err(|e| e.to_string())?.readers < readers {
        if Instant::now() > deadline {
            return Err(format!("fewer than {readers} readers after 30 s"));
        }
        sleep(Duration::from_millis(2));
    }
    Ok(())
}

fn run(name: &str, mode: &str) -> Result<(), String> {
    if mode == "--write" {
        let ring = Ring::create(name, 1024, 8).map_err(|e| e.to_string())?;
        let mut writer = ring.writer().map_err(|e| e.to_string())?;
        wait_for_readers(&ring, 1)?;
        for t in 0..TYPE_COUNT {
            for s in 0..SHAPES.len() {
                with_type!(t, T, write_one::<T>(&mut writer, t, s)).map_err(|e| format!("array {t}/{s}: {e}"))?;
            }
        }
        writer.close().map_err(|e| e.to_string())
    } else {
        let ring = Ring::open(name, Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
        read_suite(&mut ring.reader().map_err(|e| e.to_string())?)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 || (args[2] != "--write" && args[2] != "--read") {
        fail(2, "usage: cross-arrays NAME --write|--read");
    }
    if let Err(e) = run(&args[1], &args[2]) {
        fail(1, &format!("arrays rust: {e}"));
    }
    println!("arrays rust: {} {} arrays", &args[2][2..], TYPE_COUNT * SHAPES.len());
}
