//! Creating, opening, geometry, options, unlink and their errors.

mod common;

use std::time::Duration;

use shmring::{Error, Ring, RingOptions, LAYOUT_VERSION};

#[test]
fn named_ring_is_opened_by_name_with_the_same_geometry() {
    let name = common::unique_name("open");
    let created = RingOptions::new().max_writers(3).max_readers(5).max_groups(2).create(Some(&name), 100, 8).unwrap();
    let opened = Ring::open(&name, Some(Duration::from_secs(1))).unwrap();
    for ring in [&created, &opened] {
        assert_eq!(ring.name().as_deref(), Some(name.as_str()));
        assert_eq!(ring.slot_bytes(), 100);
        assert_eq!(ring.slot_count(), 8);
        assert_eq!((ring.max_writers(), ring.max_readers(), ring.max_groups()), (3, 5, 2));
        assert_eq!(ring.layout_version(), LAYOUT_VERSION);
        assert!(ring.segment_bytes() >= 8 * 100);
        assert!(!ring.is_closed());
    }
    assert_eq!(created.segment_bytes(), opened.segment_bytes());
    Ring::unlink(&name).unwrap();
    assert!(matches!(Ring::open(&name, Some(Duration::ZERO)), Err(Error::NotFound(_))));
}

#[test]
fn any_slot_count_is_exactly_the_unread_messages_that_fit() {
    for count in [1u64, 3, 10, 16] {
        let name = common::unique_name("count");
        let ring = Ring::create(&name, 8, count).unwrap();
        assert_eq!(ring.slot_count(), count);
        assert_eq!(Ring::open(&name, Some(Duration::ZERO)).unwrap().slot_count(), count);
        Ring::unlink(&name).unwrap();
        let mut reader = ring.reader().unwrap();
        let mut writer = ring.writer().unwrap();
        for i in 0..count {
            writer.try_write(&[i as u8]).unwrap();
        }
        assert!(matches!(writer.try_write(b"more"), Err(Error::Full(_))), "{count} slots");
        let mut buf = [0u8; 8];
        assert_eq!(reader.try_read(&mut buf).unwrap(), 1);
        writer.try_write(b"fits").unwrap();
        assert!(matches!(writer.try_write(b"full"), Err(Error::Full(_))));
    }
}

#[test]
fn positions_show_skip_all_to_latest_at_once() {
    let ring = Ring::create_anonymous(16, 4).unwrap();
    let readers = [ring.reader().unwrap(), ring.group_reader("g").unwrap(), ring.lossy_reader().unwrap()];
    let mut writer = ring.writer().unwrap();
    for m in [b"a", b"b", b"c"] {
        writer.write(m, None).unwrap();
    }
    ring.skip_all_to_latest().unwrap();
    for reader in &readers {
        assert_eq!(reader.position(), 3);
    }
    for stats in ring.stats().unwrap().reader_stats {
        assert_eq!((stats.position, stats.lag), (3, 0));
    }
}

#[test]
fn anonymous_ring_has_no_name() {
    let ring = Ring::create_anonymous(16, 2).unwrap();
    assert_eq!(ring.name(), None);
    assert_eq!(shmring::version() >> 16, 0);
}

#[test]
fn create_errors_carry_the_c_detail() {
    let name = common::unique_name("exists");
    let _ring = Ring::create(&name, 16, 4).unwrap();
    let err = Ring::create(&name, 16, 4).err().unwrap();
    assert!(matches!(err, Error::Exists(_)), "{err}");
    assert_eq!(err.code(), shmring_sys::SHMRING_EEXISTS);
    assert!(!err.detail().is_empty());
    assert!(err.to_string().contains(err.detail()));
    Ring::unlink(&name).unwrap();

    for count in [0, (1 << 31) + 1] {
        let err = Ring::create_anonymous(16, count).err().unwrap();
        assert!(matches!(err, Error::Invalid(_)), "slot count {count}: {err}");
        assert!(err.detail().contains("slot_count must be 1..2147483648"), "{err}");
    }
    assert!(matches!(Ring::create("/bad\0name", 16, 4), Err(Error::Invalid(_))));
}

#[test]
fn initial_sequence_and_close_on_last_writer_are_applied() {
    let ring = RingOptions::new().initial_sequence(1 << 40).close_on_last_writer(false).create(None, 16, 4).unwrap();
    assert_eq!(ring.next_sequence(), 1 << 40);
    ring.writer().unwrap().write(b"x", None).unwrap();
    assert_eq!(ring.next_sequence(), (1 << 40) + 1);
    assert!(!ring.is_closed(), "the last writer left, but close_on_last_writer is off");
    ring.close_stream().unwrap();
    assert!(ring.is_closed());
}

/// A name a C string would cut at its NUL byte, or one that names a
/// directory, is refused by every call taking one, with the core's reason;
/// the ring a cut name would reach is left alone.
#[test]
fn names_a_c_string_would_cut_or_that_name_directories_are_refused() {
    let name = common::unique_name("names");
    let ring = Ring::create(&name, 64, 8).unwrap();
    let cut = format!("{name}\0other");
    for bad in [cut.as_str(), "/ab\0cd", ".", "..", "/.", "/.."] {
        let outcomes = [
            ("create", Ring::create(bad, 64, 8).map(drop)),
            ("open", Ring::open(bad, Some(Duration::ZERO)).map(drop)),
            ("unlink", Ring::unlink(bad)),
            ("rwlock create", shmring::RwLock::create(bad, 4).map(drop)),
            ("rwlock open", shmring::RwLock::open(bad, Some(Duration::ZERO)).map(drop)),
        ];
        for (what, outcome) in outcomes {
            match outcome {
                Err(Error::Invalid(detail)) if detail.contains("not a valid ring name") => {
                    assert!(!bad.contains('\0') || detail.contains("NUL"), "{what}({bad:?}): {detail}");
                }
                other => panic!("{what}({bad:?}) = {other:?}, want Invalid(\"... not a valid ring name ...\")"),
            }
        }
    }
    assert!(Ring::open(&name, Some(Duration::ZERO)).is_ok(), "the ring whose name was cut is gone");
    drop(ring);
    Ring::unlink(&name).unwrap();
}
