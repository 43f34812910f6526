//! RwLock: holds of each kind in try, timeout and forever forms, nesting,
//! guards releasing on drop, writer preference, wait_for_exclusive, errors,
//! and a holder in another process (this test binary run again) killed.
//! Events are ordered by the lock's observed state (`RwLock::state`, polled
//! by `await_state` with a hang guard), never by pausing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use shmring::{Error, LockState, Ring, RwLock};

const SHORT: Duration = Duration::from_millis(50);
/// How long an awaited state may take to appear: a hang guard, not a
/// measurement.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// The holds part of the state: (shared holds, held exclusively).
fn holds(lock: &RwLock) -> (u32, bool) {
    let LockState { shared_holds, exclusive, .. } = lock.state().unwrap();
    (shared_holds, exclusive)
}

/// Polls the lock's state until `done` says so; panics after HANG_GUARD.
fn await_state(lock: &RwLock, what: &str, done: impl Fn(&LockState) -> bool) {
    let give_up = Instant::now() + HANG_GUARD;
    loop {
        let now = lock.state().unwrap();
        if done(&now) {
            return;
        }
        assert!(Instant::now() < give_up, "{what}: not seen in {HANG_GUARD:?}; last {now:?}");
        thread::yield_now();
    }
}

#[test]
fn shared_holds_nest_and_guards_release_them() {
    let lock = RwLock::create_anonymous(0).unwrap();
    let other = lock.dup().unwrap();
    assert_eq!(lock.state().unwrap(), LockState { shared_holds: 0, exclusive: false, writer_waiting: false, waiters: 0 });
    let a = lock.read(None).unwrap();
    let b = lock.try_read().unwrap();
    let c = other.read(Some(SHORT)).unwrap();
    assert_eq!(holds(&other), (3, false));
    drop(a);
    assert_eq!(holds(&lock), (2, false));
    drop((b, c));
    assert_eq!(holds(&lock), (0, false));
}

#[test]
fn exclusive_hold_keeps_everybody_else_out_until_dropped() {
    let lock = RwLock::create_anonymous(0).unwrap();
    let other = lock.dup().unwrap();
    let w = lock.write(Some(SHORT)).unwrap();
    assert_eq!(holds(&lock), (0, true));
    assert!(matches!(other.try_read(), Err(Error::Timeout(_))));
    assert!(matches!(other.try_write(), Err(Error::Timeout(_))));
    let start = Instant::now();
    assert!(matches!(other.read(Some(SHORT)), Err(Error::Timeout(_))));
    assert!(start.elapsed() >= SHORT);
    assert!(matches!(other.write(Some(SHORT)), Err(Error::Timeout(_))));
    drop(w);
    let _r = other.try_read().unwrap();
    assert!(matches!(lock.try_write(), Err(Error::Timeout(_))));
}

#[test]
fn upgrades_and_recursive_exclusive_holds_are_invalid() {
    let lock = RwLock::create_anonymous(0).unwrap();
    {
        let _r = lock.read(None).unwrap();
        assert!(matches!(lock.try_write(), Err(Error::Invalid(_))));
    }
    let _w = lock.write(None).unwrap();
    assert!(matches!(lock.try_write(), Err(Error::Invalid(_))));
    assert!(matches!(lock.try_read(), Err(Error::Invalid(_))));
}

#[test]
fn a_waiting_writer_gets_the_lock_when_readers_leave_and_new_readers_wait_behind_it() {
    let lock = RwLock::create_anonymous(0).unwrap();
    let writer = lock.dup().unwrap();
    let late = lock.dup().unwrap();
    let r = lock.read(None).unwrap();
    let (tx, rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        let _w = writer.write(None).unwrap();
        tx.send(()).unwrap();
        release_rx.recv().unwrap(); // hold until the test has looked
    });
    await_state(&lock, "the writer in line", |s| s.writer_waiting);
    assert!(rx.try_recv().is_err(), "the writer got in past a shared hold");
    assert_eq!(holds(&lock), (1, false));
    // Writer preference: a new shared hold waits behind the waiting writer,
    // a nested one of a holder does not.
    assert!(matches!(late.try_read(), Err(Error::Timeout(_))));
    assert!(matches!(late.read(Some(SHORT)), Err(Error::Timeout(_))));
    drop(lock.read(Some(Duration::ZERO)).unwrap());
    assert!(lock.state().unwrap().writer_waiting);
    drop(r);
    rx.recv_timeout(HANG_GUARD).expect("the writer never got the lock");
    let now = lock.state().unwrap();
    assert!(now.exclusive && !now.writer_waiting, "{now:?}");
    assert!(matches!(late.try_read(), Err(Error::Timeout(_))));
    release_tx.send(()).unwrap();
    let _r = late.read(Some(HANG_GUARD)).unwrap();
    t.join().unwrap();
}

#[test]
fn wait_for_exclusive_lends_the_shared_hold_to_a_writer() {
    let lock = RwLock::create_anonymous(0).unwrap();
    let writer = lock.dup().unwrap();
    assert!(matches!(lock.wait_for_exclusive(Some(SHORT)), Err(Error::Invalid(_))));
    let _r = lock.read(None).unwrap();
    let _nested = lock.read(None).unwrap();
    assert!(matches!(lock.wait_for_exclusive(Some(SHORT)), Err(Error::Timeout(_))));
    assert_eq!(holds(&lock), (2, false), "the hold is back after a timeout");
    let wrote = Arc::new(AtomicBool::new(false));
    let t = thread::spawn({
        let wrote = Arc::clone(&wrote);
        move || {
            // Only once the hold is lent (observed): the writer comes after
            // the reader began to wait, the case the seed's wait_for_write
            // is for.
            await_state(&writer, "the shared hold lent", |s| s.shared_holds == 0 && s.waiters > 0);
            let _w = writer.write(Some(HANG_GUARD)).unwrap();
            wrote.store(true, Ordering::SeqCst);
        }
    });
    lock.wait_for_exclusive(Some(HANG_GUARD)).unwrap();
    assert!(wrote.load(Ordering::SeqCst), "wait_for_exclusive returned before a writer's turn");
    assert_eq!(holds(&lock), (2, false));
    t.join().unwrap();
}

#[test]
fn named_lock_is_opened_by_name_and_errors_carry_the_detail() {
    let name = common::unique_name("lock");
    let lock = RwLock::create(&name, 4).unwrap();
    let opened = RwLock::open(&name, Some(SHORT)).unwrap();
    let _w = opened.write(None).unwrap();
    assert!(lock.state().unwrap().exclusive);
    assert!(matches!(RwLock::create(&name, 4), Err(Error::Exists(_))));
    let (a, b) = (lock.dup().unwrap(), lock.dup().unwrap());
    let err = b.dup().err().unwrap();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    drop((a, b));
    Ring::unlink(&name).unwrap();
    let err = RwLock::open(&name, Some(Duration::ZERO)).err().unwrap();
    assert!(matches!(err, Error::NotFound(_)) && err.to_string().contains(&name[1..]), "{err}");
    assert!(matches!(RwLock::create("bad\0name", 0), Err(Error::Invalid(_))));
}

#[test]
fn a_ring_is_not_a_lock() {
    let name = common::unique_name("notlock");
    let _ring = Ring::create(&name, 64, 4).unwrap();
    let err = RwLock::open(&name, Some(Duration::ZERO)).err().unwrap();
    assert!(matches!(err, Error::Corrupt(_) | Error::Version(_)), "{err}");
    Ring::unlink(&name).unwrap();
}

#[test]
fn close_releases_the_holds() {
    let lock = RwLock::create_anonymous(0).unwrap();
    let other = lock.dup().unwrap();
    let holder = lock.dup().unwrap();
    std::mem::forget(holder.write(None).unwrap());
    assert!(matches!(other.try_read(), Err(Error::Timeout(_))));
    holder.close().unwrap();
    let _r = other.try_read().unwrap();
}

/// Not a test on its own: run by `holder_killed_in_another_process_loses_its_hold`
/// in a child process (SHMRING_RS_LOCK_HOLDER names the lock) to hold it
/// exclusively until killed.
#[test]
fn lock_holder_child() {
    let Ok(name) = std::env::var("SHMRING_RS_LOCK_HOLDER") else { return };
    let lock = RwLock::open(&name, Some(Duration::from_secs(5))).unwrap();
    let _w = lock.write(Some(Duration::from_secs(5))).unwrap();
    println!("holding");
    // The hold itself: this process keeps the lock until the test kills it.
    thread::sleep(Duration::from_secs(60));
}

#[test]
fn holder_killed_in_another_process_loses_its_hold() {
    let name = common::unique_name("killed");
    let lock = RwLock::create(&name, 0).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock_holder_child", "--nocapture", "--test-threads=1"])
        .env("SHMRING_RS_LOCK_HOLDER", &name)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().contains("holding")), "the child never held the lock");
    assert!(matches!(lock.read(Some(SHORT)), Err(Error::Timeout(_))));
    assert!(lock.state().unwrap().exclusive);
    child.kill().unwrap();
    child.wait().unwrap();
    // A dead holder's hold ends (the timeout is a hang guard, not a bound
    // on how fast: that depends on the machine).
    let _r = lock.read(Some(HANG_GUARD)).unwrap();
    Ring::unlink(&name).unwrap();
}
