//! locker: the Rust program of the cross-language rwlock check (tests/cross/README.md).

use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use shmring::{Error, RwLock};
use shmring_cross::{fail, Args};

const USAGE: &str = "usage: cross-locker NAME (--shared|--exclusive) --timeout MS [--create] [--busy] [--ready FILE] [--wait-shared N] [--until FILE]";

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> Result<bool, String>) -> Result<(), String> {
    let start = Instant::now();
    while !done()? {
        if start.elapsed() > limit {
            return Err(format!("{what}: not after {limit:?}"));
        }
        sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn run(args: &Args) -> Result<String, String> {
    let exclusive = match (args.has("--shared"), args.has("--exclusive")) {
        (true, false) => false,
        (false, true) => true,
        _ => fail(2, USAGE),
    };
    let kind = if exclusive { "exclusive" } else { "shared" };
    let timeout = Duration::from_millis(args.number("--timeout", 0, 0));
    let lock = if args.has("--create") {
        RwLock::create(&args.name, 0)
    } else {
        RwLock::open(&args.name, Some(Duration::from_secs(10)))
    }
    .map_err(|e| e.to_string())?;

    let start = Instant::now();
    // One of the two guards, held until released below.
    let hold = if exclusive {
        lock.write(Some(timeout)).map(|g| (None, Some(g)))
    } else {
        lock.read(Some(timeout)).map(|g| (Some(g), None))
    };
    let waited = start.elapsed();
    if args.has("--busy") {
        let state = lock.state().map_err(|e| e.to_string())?;
        return match hold {
            Err(Error::Timeout(_)) if waited >= timeout && state.exclusive => {
                Ok(format!("{kind} hold busy for {} ms, lock held exclusively", waited.as_millis()))
            }
            _ => Err(format!(
                "{kind} hold: {:?} after {waited:?} (want a timeout after {timeout:?}); state {state:?} (want exclusive)",
                hold.err()
            )),
        };
    }
    let hold = hold.map_err(|e| format!("{kind} hold: {e}"))?;
    let want = args.number("--wait-shared", 0, 0) as u32;
    wait_until(&format!("{want} shared holds"), Duration::from_secs(10), || {
        lock.state().map(|s| s.shared_holds >= want).map_err(|e| e.to_string())
    })?;
    if let Some(ready) = args.text("--ready") {
        std::fs::write(ready, b"").map_err(|e| format!("{ready}: {e}"))?;
    }
    if let Some(until) = args.text("--until") {
        wait_until(&format!("{until} to appear"), Duration::from_secs(30), || Ok(Path::new(until).exists()))?;
    }
    drop(hold);
    lock.close().map_err(|e| e.to_string())?;
    Ok(format!("{kind} hold taken after {} ms, released", waited.as_millis()))
}

fn main() {
    let args = Args::parse(
        &[
            ("--shared", 0),
            ("--exclusive", 0),
            ("--timeout", 1),
            ("--create", 0),
            ("--busy", 0),
            ("--ready", 1),
            ("--wait-shared", 1),
            ("--until", 1),
        ],
        USAGE,
    );
    match run(&args) {
        Ok(done) => println!("locker rust: {done}"),
        Err(e) => fail(1, &format!("locker rust: {e}")),
    }
}
