//! consumer: the Rust reader of the cross-language tests (tests/cross/README.md).

use std::time::Duration;

use shmring::{Error, Reader, Ring};
use shmring_cross::{fail, Args, Checker};

const USAGE: &str = "usage: cross-consumer NAME --writers W1,W2 --count N [--group G] [--report FILE]\n       cross-consumer NAME --info";
const WAIT: Option<Duration> = Some(Duration::from_secs(30));

fn print_info(ring: &Ring) {
    println!(
        "slot_bytes={} slot_count={} max_writers={} max_readers={} max_groups={} layout_version={} segment_bytes={} version=0x{:06x}",
        ring.slot_bytes(),
        ring.slot_count(),
        ring.max_writers(),
        ring.max_readers(),
        ring.max_groups(),
        ring.layout_version(),
        ring.segment_bytes(),
        shmring::version()
    );
}

/// Reads (alternating copies and zero-copy peeks) and checks every message
/// until end of stream.
fn consume(reader: &mut Reader, checker: &mut Checker, slot_bytes: u64) -> Result<(), String> {
    let mut buffer = vec![0u8; slot_bytes as usize];
    for n in 0u64.. {
        let checked = if n % 2 == 0 {
            reader.read(&mut buffer, WAIT).map(|len| checker.check(&buffer[..len]))
        } else {
            reader.peek(WAIT).and_then(|view| {
                let checked = checker.check(&view);
                view.release().map(|()| checked)
            })
        };
        match checked {
            Ok(result) => result.map_err(|e| format!("message {}: {e}", checker.messages))?,
            Err(Error::Closed(_)) => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    match reader.read(&mut buffer, Some(Duration::ZERO)) {
        Err(Error::Closed(_)) => Ok(()),
        other => Err(format!("the stream ended, then did not stay ended: {other:?}")),
    }
}

fn run(args: &Args) -> Result<(), String> {
    let ring = Ring::open(&args.name, Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    if args.has("--info") {
        print_info(&ring);
        return Ok(());
    }
    let writers = args
        .text("--writers")
        .unwrap_or("0")
        .split(',')
        .map(|w| w.parse().map_err(|_| format!("--writers: {w} is not a number")))
        .collect::<Result<Vec<u32>, String>>()?;
    let report = args.text("--report").map(|path| std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))).transpose()?;
    let mut checker = Checker::new(ring.slot_bytes(), args.number("--count", 0, 0), writers, report);
    let group = args.text("--group");
    let mut reader = match group {
        Some(group) => ring.group_reader(group),
        None => ring.reader(),
    }
    .map_err(|e| e.to_string())?;
    consume(&mut reader, &mut checker, ring.slot_bytes())?;
    if group.is_none() {
        checker.check_complete().map_err(|e| format!("at end of stream: {e}"))?;
    }
    checker.finish()?;
    reader.close().map_err(|e| e.to_string())?;
    let in_group = group.map_or(String::new(), |g| format!(" in group {g}"));
    println!("consumer rust{in_group}: {} messages checked, end of stream", checker.messages);
    Ok(())
}

fn main() {
    let args = Args::parse(&[("--writers", 1), ("--count", 1), ("--group", 1), ("--report", 1), ("--info", 0)], USAGE);
    if let Err(e) = run(&args) {
        fail(1, &format!("consumer rust: {e}"));
    }
}
