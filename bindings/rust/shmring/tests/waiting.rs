//! Opens that wait for a ring to appear: the consumer first, then the
//! producer creates the ring; NotFound only after the timeout, saying how
//! long it waited.

mod common;

use std::time::{Duration, Instant};

use shmring::{Error, Ring};

/// 1 if a thread of this process is in ppoll (an open waiting for its name
/// to appear); x86-64 and aarch64 numbers.
fn some_thread_in_ppoll() -> bool {
    let ppoll = if cfg!(target_arch = "aarch64") { "73" } else { "271" };
    std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten().any(|task| {
        std::fs::read_to_string(task.path().join("syscall"))
            .is_ok_and(|text| text.split_whitespace().next() == Some(ppoll))
    })
}

#[test]
fn open_waits_for_the_ring_to_be_created() {
    let name = common::unique_name("appear");
    let consumer = {
        let name = name.clone();
        std::thread::spawn(move || Ring::open(&name, Some(Duration::from_secs(60))).map(|ring| ring.slot_count()))
    };
    // The consumer is first: order by its observed state, with a hang guard.
    let give_up = Instant::now() + Duration::from_secs(30);
    while !some_thread_in_ppoll() {
        assert!(Instant::now() < give_up, "the open never waited");
        std::thread::yield_now();
    }
    let ring = Ring::create(&name, 64, 4).unwrap();
    assert_eq!(consumer.join().unwrap().unwrap(), 4);
    drop(ring);
    Ring::unlink(&name).unwrap();
}

#[test]
fn open_of_a_missing_ring_says_how_long_it_waited() {
    let name = common::unique_name("missing");
    match Ring::open(&name, Some(Duration::ZERO)) {
        Err(Error::NotFound(detail)) => assert!(!detail.contains("waited"), "{detail}"),
        other => panic!("timeout 0: {:?}", other.map(|_| ())),
    }
    let start = Instant::now();
    match Ring::open(&name, Some(Duration::from_millis(20))) {
        Err(Error::NotFound(detail)) => assert!(detail.contains("waited 0.0"), "{detail}"),
        other => panic!("timeout 20 ms: {:?}", other.map(|_| ())),
    }
    assert!(start.elapsed() >= Duration::from_millis(20));
}

#[test]
fn wait_for_readers_is_woken_by_the_joins() {
    let ring = Ring::create_anonymous(64, 4).unwrap();
    ring.wait_for_readers(0, None, Some(Duration::ZERO)).unwrap();
    match ring.wait_for_readers(1, None, Some(Duration::ZERO)) {
        Err(Error::Timeout(detail)) => assert!(detail.contains("0 of 1 reader"), "{detail}"),
        other => panic!("no reader yet: {other:?}"),
    }
    std::thread::scope(|scope| {
        let producer = scope.spawn(|| ring.wait_for_readers(2, Some("g"), Some(Duration::from_secs(60))));
        let _broadcast = ring.reader().unwrap(); // not of the group: does not count
        let _first = ring.group_reader("g").unwrap();
        let _second = ring.group_reader("g").unwrap();
        producer.join().unwrap().unwrap();
    });
}
