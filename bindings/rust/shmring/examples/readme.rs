// The example of bindings/rust/README.md, as a program: `frames` below is
// the README's code, word for word (checked by //tests/lint:readme_examples).
// tests/readme.rs includes this file and runs `frames` twice in a row, each
// time in a process of its own, after a crashed run; by hand:
// `cargo run --example readme -- /frames /config-lock`.

// ---- README.md ----
use shmring::{Error, Ring, RingOptions, RwLock, REPLACE_STALE};
use std::time::Duration;

fn frames(name: &str, lock_name: &str) -> Result<(), Error> {       // "/frames", "/config-lock"
    // replace_stale: a ring left by a crashed run of this program is replaced
    let ring = RingOptions::new().replace_stale(true).create(Some(name), 4096, 8)?;
    let mut reader = ring.reader()?;                        // group_reader("name"), lossy_reader()
    let mut writer = ring.writer()?;                        // (or Ring::open(name, timeout) elsewhere)
    writer.write(b"hello", None)?;                          // None: wait forever for space
    let mut slot = writer.reserve(None)?;                   // zero copy: fill the slot in place
    slot[..3].copy_from_slice(b"abc");
    slot.commit(3)?;                                        // dropped uncommitted = aborted
    drop(writer);                                           // the last writer ends the stream
    for message in reader.messages() { println!("{:?}", message?); }  // ends at end of stream
    Ring::unlink(name)?;

    let lock = RwLock::create_with_mode(Some(lock_name), 0, REPLACE_STALE)?;  // or RwLock::open
    {
        let _shared = lock.read(Some(Duration::from_secs(1)))?;   // nests; Error::Timeout if busy
    }                                                       // released here
    let _exclusive = lock.write(None)?;
    Ring::unlink(lock_name)                                 // one namespace for rings and locks
}
// ---- end of the README's code ----

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "/frames".into());
    let lock_name = args.next().unwrap_or_else(|| "/config-lock".into());
    frames(&name, &lock_name)
}
