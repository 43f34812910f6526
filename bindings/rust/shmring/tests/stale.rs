//! `RingOptions::replace_stale`, `REPLACE_STALE` for locks, `inspect` and
//! `remove_stale`, with participants in another process (this test binary
//! run again) SIGKILLed, alive, or stopped.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use shmring::{Error, Ring, RingOptions, Role, RwLock, SegmentKind, REPLACE_STALE};

/// Not a test on its own: run by the tests below in a child process
/// (SHMRING_RS_STALE_ROLE = "creator" or "reader", SHMRING_RS_STALE_NAME the
/// ring) to join the ring and hold on until killed.
#[test]
fn stale_child() {
    let (Ok(role), Ok(name)) = (std::env::var("SHMRING_RS_STALE_ROLE"), std::env::var("SHMRING_RS_STALE_NAME"))
    else {
        return;
    };
    let ring = if role == "creator" {
        Ring::create(&name, 64, 8).unwrap()
    } else {
        Ring::open(&name, Some(Duration::from_secs(10))).unwrap()
    };
    let _writer = if role == "creator" { Some(ring.writer().unwrap()) } else { None };
    let _reader = ring.reader().unwrap();
    println!("ready");
    loop {
        std::thread::park(); // hold on until killed
    }
}

fn start(role: &str, name: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "stale_child", "--nocapture", "--test-threads=1"])
        .env("SHMRING_RS_STALE_ROLE", role)
        .env("SHMRING_RS_STALE_NAME", name)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().contains("ready")), "the {role} child never got ready");
    child
}

fn kill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

fn replacing(name: &str) -> shmring::Result<Ring> {
    RingOptions::new().replace_stale(true).create(Some(name), 64, 8)
}

#[test]
fn ring_of_a_killed_participant_is_replaced() {
    let name = common::unique_name("stale-killed");
    let child = start("creator", &name);
    let pid = child.id();
    match replacing(&name) {
        Err(Error::Exists(detail)) => assert!(detail.contains(&format!("pid {pid} (creator)")), "{detail}"),
        other => panic!("replaced a live ring: {:?}", other.map(|_| ())),
    }
    kill(child);
    let info = shmring::inspect(&name).unwrap();
    assert_eq!((info.kind, info.stale, info.dead_entries, info.creator_pid), (SegmentKind::Ring, true, 3, u64::from(pid)));
    assert!(info.live.is_empty(), "{info:?}");
    assert!(matches!(Ring::create(&name, 64, 8), Err(Error::Exists(_))));
    let ring = replacing(&name).unwrap();
    assert_eq!(ring.next_sequence(), 0);
    assert_eq!(shmring::inspect(&name).unwrap().creator_pid, u64::from(std::process::id()));
    drop(ring);
    Ring::unlink(&name).unwrap();
}

#[test]
fn live_and_stopped_reader_keep_the_ring() {
    let name = common::unique_name("stale-reader");
    let creator = start("creator", &name);
    let reader = start("reader", &name);
    kill(creator);
    let pid = reader.id();
    let info = shmring::inspect(&name).unwrap();
    assert_eq!(info.live, vec![(pid, Role::Reader)]);
    assert!(!info.stale && !info.creator_alive && info.live_readers == 1);
    let named = format!("pid {pid} (reader)");
    for stopped in [false, true] {
        if stopped {
            // SIGSTOP through kill(1): a stopped process is alive.
            assert!(Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap().success());
        }
        match replacing(&name) {
            Err(Error::Exists(detail)) => assert!(detail.contains(&named), "{detail}"),
            other => panic!("replaced a live ring: {:?}", other.map(|_| ())),
        }
        match shmring::remove_stale(&name) {
            Err(Error::Exists(detail)) => assert!(detail.contains(&named), "{detail}"),
            other => panic!("removed a live ring: {other:?}"),
        }
    }
    kill(reader);
    shmring::remove_stale(&name).unwrap();
    assert!(matches!(shmring::inspect(&name), Err(Error::NotFound(_))));
}

#[test]
fn stale_lock_is_replaced_live_one_is_not() {
    let name = common::unique_name("stale-lock");
    let lock = RwLock::create(&name, 4).unwrap();
    let info = shmring::inspect(&name).unwrap();
    assert_eq!((info.kind, info.live_holders, info.max_holders), (SegmentKind::RwLock, 1, 4));
    assert!(matches!(RwLock::create_with_mode(Some(&name), 4, REPLACE_STALE), Err(Error::Exists(_))));
    drop(lock);
    Ring::unlink(&name).unwrap();
}
