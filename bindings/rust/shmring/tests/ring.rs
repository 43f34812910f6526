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

    let err = Ring::create_anonymous(16, 3).err().unwrap();
    assert!(matches!(err, Error::Invalid(_)), "slot count 3 is not a power of two: {err}");
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
