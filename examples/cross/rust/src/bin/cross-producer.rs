//! producer: the Rust writer of the cross-language tests (tests/cross/README.md).

use std::thread::sleep;
use std::time::{Duration, Instant};

use shmring::{Ring, Writer};
use shmring_cross::{encode, fail, length, Args};

const USAGE: &str = "usage: cross-producer NAME --id W --count N [--create SLOT_BYTES SLOT_COUNT] [--readers R] [--writers K]";
const WAIT: Option<Duration> = Some(Duration::from_secs(30));

fn wait_for_participants(ring: &Ring, readers: u64, writers: u64) -> Result<(), String> {
    // Woken by the readers' joins, whatever their language.
    let n = u32::try_from(readers).map_err(|e| e.to_string())?;
    ring.wait_for_readers(n, None, Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stats = ring.stats().map_err(|e| e.to_string())?;
        if stats.readers >= readers && stats.writers_joined >= writers {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} readers and {} writers after 30 s, want {readers} and {writers}",
                stats.readers, stats.writers_joined
            ));
        }
        sleep(Duration::from_millis(2));
    }
}

fn write_all(writer: &mut Writer, id: u32, count: u64, slot_bytes: u64) -> Result<(), shmring::Error> {
    let mut buffer = vec![0u8; slot_bytes as usize];
    for s in 0..count {
        let len = length(id, s, slot_bytes) as usize;
        if s % 2 == 0 {
            encode(&mut buffer[..len], id, s);
            writer.write(&buffer[..len], WAIT)?;
        } else {
            let mut slot = writer.reserve(WAIT)?;
            encode(&mut slot[..len], id, s);
            slot.commit(len)?;
        }
    }
    Ok(())
}

fn run(args: &Args) -> Result<(), String> {
    let (id, count) = (args.number("--id", 0, 0) as u32, args.number("--count", 0, 0));
    let ring = if args.has("--create") {
        Ring::create(&args.name, args.number("--create", 0, 0), args.number("--create", 1, 0))
    } else {
        Ring::open(&args.name, Some(Duration::from_secs(10)))
    }
    .map_err(|e| e.to_string())?;
    let mut writer = ring.writer().map_err(|e| e.to_string())?;
    wait_for_participants(&ring, args.number("--readers", 0, 0), args.number("--writers", 0, 1))?;
    write_all(&mut writer, id, count, ring.slot_bytes()).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    println!("producer rust: wrote {count} messages as writer {id}");
    Ok(())
}

fn main() {
    let args = Args::parse(&[("--id", 1), ("--count", 1), ("--create", 2), ("--readers", 1), ("--writers", 1)], USAGE);
    if let Err(e) = run(&args) {
        fail(1, &format!("producer rust: {e}"));
    }
}
