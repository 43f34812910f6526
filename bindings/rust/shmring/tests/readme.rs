//! The README's example (`examples/readme.rs`, included here) runs twice in
//! a row, each run a process of its own (this test binary run again), after
//! a crashed run left its ring and lock behind: no cleanup is needed.

mod common;

use std::process::Command;

include!("../examples/readme.rs");

/// Runs this binary's `child` test with `role` and the two names.
fn in_child(role: &str, name: &str, lock_name: &str) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1", "-q"])
        .env("SHMRING_RS_README", format!("{role} {name} {lock_name}"))
        .output()
        .unwrap()
}

#[test]
fn readme_example_runs_twice_after_a_crash() {
    let (name, lock_name) = (common::unique_name("readme"), common::unique_name("readme-lock"));
    assert!(in_child("crashed", &name, &lock_name).status.success());
    assert!(shmring::inspect(&name).unwrap().stale && shmring::inspect(&lock_name).unwrap().stale);
    for run in 1..=2 {
        let out = in_child("example", &name, &lock_name);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "run {run}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("[104, 101, 108, 108, 111]\n[97, 98, 99]\n"), "run {run}: {stdout}");
    }
    assert!(matches!(shmring::inspect(&name), Err(Error::NotFound(_))));
    assert!(matches!(shmring::inspect(&lock_name), Err(Error::NotFound(_))));
}

/// Not a test on its own: run by the test above in a child process, to run
/// the example ("example") or to leave what a crashed run leaves behind, a
/// ring and a lock whose creator is gone ("crashed").
#[test]
fn child() {
    let Ok(what) = std::env::var("SHMRING_RS_README") else { return };
    let mut words = what.split(' ');
    let (role, name, lock_name) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap());
    if role == "example" {
        frames(name, lock_name).unwrap();
    } else {
        std::mem::forget(Ring::create(name, 4096, 8).unwrap());
        std::mem::forget(RwLock::create(lock_name, 0).unwrap());
    }
}
