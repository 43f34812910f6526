//! Reader kinds: broadcast, groups, lossy, skipping; statistics.

use std::collections::BTreeSet;
use std::thread;
use std::time::Duration;

use shmring::{Error, ReaderKind, Ring};

#[test]
fn broadcast_readers_see_everything_and_groups_split_it() {
    let ring = Ring::create_anonymous(8, 8).unwrap();
    let mut broadcast = ring.reader().unwrap();
    let members: Vec<_> = (0..3).map(|_| ring.group_reader("workers").unwrap()).collect();
    let mut writer = ring.writer().unwrap();
    let handles: Vec<_> = members
        .into_iter()
        .map(|mut member| {
            thread::spawn(move || {
                member.messages().map(|m| u64::from_le_bytes(m.unwrap().try_into().unwrap())).collect::<Vec<_>>()
            })
        })
        .collect();
    let reader_thread = thread::spawn(move || broadcast.messages().count());
    for i in 0u64..2000 {
        writer.write(&i.to_le_bytes(), None).unwrap();
    }
    drop(writer);
    assert_eq!(reader_thread.join().unwrap(), 2000);
    let mut union = BTreeSet::new();
    let mut total = 0;
    for handle in handles {
        let got = handle.join().unwrap();
        assert!(got.windows(2).all(|w| w[0] < w[1]), "a member sees the stream in order");
        total += got.len();
        union.extend(got);
    }
    assert_eq!(total, 2000, "each message to exactly one member");
    assert_eq!(union, (0..2000).collect());
}

#[test]
fn lossy_reader_never_holds_writers_back() {
    let ring = Ring::create_anonymous(8, 4).unwrap();
    let mut lossy = ring.lossy_reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for i in 0u8..10 {
        writer.try_write(&[i]).unwrap();
    }
    let view = lossy.peek(Some(Duration::ZERO)).unwrap();
    let first = view[0];
    view.release().unwrap();
    assert!(first >= 6, "lapped to the oldest message still in the ring, got {first}");
    assert_eq!(lossy.missed(), u64::from(first));
}

#[test]
fn skip_to_latest_counts_what_was_passed_over() {
    let ring = Ring::create_anonymous(8, 8).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut member = ring.group_reader("g").unwrap();
    let mut writer = ring.writer().unwrap();
    for i in 0u8..5 {
        writer.write(&[i], None).unwrap();
    }
    assert_eq!(reader.skip_to_latest().unwrap(), 5);
    assert_eq!(reader.missed(), 5);
    assert_eq!(reader.position(), 5);
    assert!(matches!(member.skip_to_latest(), Err(Error::Invalid(_))));
}

#[test]
fn stats_describe_every_participant() {
    let ring = Ring::create_anonymous(8, 8).unwrap();
    let mut broadcast = ring.reader().unwrap();
    let _member = ring.group_reader("grp").unwrap();
    let _lossy = ring.lossy_reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(b"abc", None).unwrap();
    writer.write(b"de", None).unwrap();
    broadcast.read_vec(None).unwrap();
    let stats = ring.stats().unwrap();
    assert_eq!((stats.next_sequence, stats.closed), (2, false));
    assert_eq!((stats.writers, stats.readers, stats.writers_joined), (1, 3, 1));
    #[allow(deprecated)] // the old names of the counts still read the same values
    let old_names = (stats.writers_active, stats.readers_active);
    assert_eq!(old_names, (1, 3));
    assert_eq!(stats.writer_stats.len(), 1);
    let w = &stats.writer_stats[0];
    assert_eq!((w.pid, w.alive, w.messages, w.bytes), (u64::from(std::process::id()), true, 2, 5));
    let kinds: Vec<_> = stats.reader_stats.iter().map(|r| (r.kind, r.group.clone())).collect();
    assert!(kinds.contains(&(ReaderKind::Broadcast, None)));
    assert!(kinds.contains(&(ReaderKind::GroupMember, Some("grp".to_string()))));
    assert!(kinds.contains(&(ReaderKind::Lossy, None)));
    let b = stats.reader_stats.iter().find(|r| r.kind == ReaderKind::Broadcast).unwrap();
    assert_eq!((b.messages, b.position, b.lag), (1, 1, 1));
}

#[test]
fn reader_and_writer_move_between_threads() {
    let ring = Ring::create_anonymous(8, 4).unwrap();
    let reader = ring.reader().unwrap();
    let writer = ring.writer().unwrap();
    drop(ring); // the handles keep the segment attached
    let w = thread::spawn(move || {
        let mut writer = writer;
        writer.write(b"moved", None).unwrap();
    });
    let r = thread::spawn(move || {
        let mut reader = reader;
        reader.read_vec(None).unwrap()
    });
    w.join().unwrap();
    assert_eq!(r.join().unwrap(), b"moved");
}
