//! Writing and reading: copies, batches, zero copy, timeouts, end of stream.

use std::thread;
use std::time::{Duration, Instant};

use shmring::{Error, Ring};

#[test]
fn try_calls_report_full_and_empty() {
    let ring = Ring::create_anonymous(8, 2).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let mut buf = [0u8; 8];
    assert!(matches!(reader.try_read(&mut buf), Err(Error::Empty(_))));
    writer.try_write(b"1").unwrap();
    writer.try_write(b"2").unwrap();
    assert!(matches!(writer.try_write(b"3"), Err(Error::Full(_))));
    assert_eq!(reader.try_read(&mut buf).unwrap(), 1);
    assert_eq!(&buf[..1], b"1");
}

#[test]
fn timeouts_wait_about_that_long() {
    let ring = Ring::create_anonymous(8, 2).unwrap();
    let mut reader = ring.reader().unwrap();
    let _writer = ring.writer().unwrap();
    let start = Instant::now();
    let result = reader.read_vec(Some(Duration::from_millis(30)));
    let waited = start.elapsed();
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    // Not before its time; the upper bound is a hang guard, not a measurement.
    assert!(waited >= Duration::from_millis(30) && waited < Duration::from_secs(30), "{waited:?}");
}

#[test]
fn too_large_messages_are_refused_and_kept() {
    let ring = Ring::create_anonymous(8, 2).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    assert!(matches!(writer.write(&[0; 9], None), Err(Error::TooLarge(_))));
    writer.write(b"12345678", None).unwrap();
    let mut small = [0u8; 4];
    assert!(matches!(reader.read(&mut small, None), Err(Error::TooLarge(_))));
    assert_eq!(reader.read_vec(None).unwrap(), b"12345678");
}

#[test]
fn batches_write_a_prefix_in_order() {
    let ring = Ring::create_anonymous(8, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let messages: Vec<&[u8]> = vec![b"a", b"", b"ccc", b"dd", b"e", b"f"];
    assert_eq!(writer.write_batch(&messages, None).unwrap(), 4, "4 slots");
    for expected in &messages[..4] {
        assert_eq!(reader.read_vec(Some(Duration::ZERO)).unwrap(), *expected);
    }
}

#[test]
fn read_batch_copies_what_is_ready_and_fits() {
    let ring = Ring::create_anonymous(8, 8).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let (mut buf, mut lengths) = ([0u8; 6], [0u64; 8]);
    assert!(matches!(reader.read_batch(&mut buf, &mut lengths, Some(Duration::ZERO)), Err(Error::Empty(_))));
    let messages: Vec<&[u8]> = vec![b"a", b"", b"ccc", b"dddd", b"e"];
    assert_eq!(writer.write_batch(&messages, None).unwrap(), 5);
    let count = reader.read_batch(&mut buf, &mut lengths, Some(Duration::from_secs(1))).unwrap();
    assert_eq!(count, 3, "6 bytes of buffer");
    assert_eq!((&lengths[..3], &buf[..4]), (&[1, 0, 3][..], &b"accc"[..]));
    assert!(matches!(reader.read_batch(&mut buf[..3], &mut lengths, None), Err(Error::TooLarge(_))));
    assert_eq!(reader.read_batch(&mut buf, &mut lengths[..1], None).unwrap(), 1, "at most lengths.len()");
    assert_eq!((lengths[0], &buf[..4]), (4, &b"dddd"[..]));
    assert_eq!(reader.read_batch(&mut buf, &mut lengths, None).unwrap(), 1);
    assert_eq!(&buf[..1], b"e");
}

#[test]
fn reservations_commit_abort_and_abort_on_drop() {
    let ring = Ring::create_anonymous(16, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let mut slot = writer.reserve(None).unwrap();
    assert_eq!(slot.len(), 16);
    slot.fill(7);
    slot.abort().unwrap();
    {
        let mut dropped = writer.reserve(None).unwrap();
        dropped[0] = 9;
    }
    let too_long = writer.reserve(None).unwrap();
    assert!(matches!(too_long.commit(17), Err(Error::TooLarge(_))), "17 bytes in a 16-byte slot");
    let mut slot = writer.reserve(None).unwrap();
    slot[..2].copy_from_slice(b"ok");
    slot.commit(2).unwrap();
    assert_eq!(reader.read_vec(Some(Duration::ZERO)).unwrap(), b"ok", "aborted slots are skipped");
    assert!(matches!(reader.read_vec(Some(Duration::ZERO)), Err(Error::Empty(_) | Error::Timeout(_))));
    assert_eq!(ring.stats().unwrap().writer_stats[0].aborted, 3, "abort, drop, failed commit");
}

#[test]
fn peek_views_messages_in_place_and_releases_on_drop() {
    let ring = Ring::create_anonymous(16, 2).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for message in [&b"first"[..], b"", b"third"] {
        writer.write(message, None).unwrap();
        let view = reader.peek(Some(Duration::ZERO)).unwrap();
        assert_eq!(&*view, message);
        // dropping the view releases the slot: a 2-slot ring never fills
    }
    let view = reader.peek(Some(Duration::from_millis(1)));
    assert!(matches!(view, Err(Error::Timeout(_))));
}

#[test]
fn messages_iterator_ends_at_end_of_stream() {
    let ring = Ring::create_anonymous(8, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let producer = thread::spawn(move || {
        for i in 0u32..100 {
            writer.write(&i.to_le_bytes(), None).unwrap();
        }
        writer.close().unwrap();
    });
    let got: Vec<u32> =
        reader.messages().map(|m| u32::from_le_bytes(m.unwrap().try_into().unwrap())).collect();
    producer.join().unwrap();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert!(matches!(reader.read_vec(None), Err(Error::Closed(_))));
}

#[test]
fn close_stream_ends_writers_and_drains_readers() {
    let ring = Ring::create_anonymous(8, 4).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(b"last", None).unwrap();
    ring.close_stream().unwrap();
    assert!(matches!(writer.write(b"late", None), Err(Error::Closed(_))));
    assert_eq!(reader.read_vec(None).unwrap(), b"last");
    assert!(matches!(reader.read_vec(None), Err(Error::Closed(_))));
}
