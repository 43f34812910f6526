//! The two child processes of a cell: the writer and the reader, each on
//! the ring the parent made, reporting one line on stdout (bench/README.md).

use std::io::Write;
use std::time::{Duration, Instant};

use shmring::{Error, Ring};

use crate::payload::{Checker, Payload};
use crate::{Kind, Workload};

const BATCH: usize = 64;
/// Calls wait without a timeout, as bench/c's do; instead `watchdog` ends a
/// child that outlives its window by WATCHDOG_S seconds (a dead peer), and
/// the cell fails.
const IO_TIMEOUT: Option<Duration> = None;
const WATCHDOG_S: f64 = 60.0;
/// How long a ring may take to appear.
const OPEN_TIMEOUT: Option<Duration> = Some(Duration::from_secs(10));
/// The writer reads the clock every this many calls (a clock read costs
/// about as much as a 64 B write).
const CLOCK_EVERY_SMALL: u32 = 256;

/// Ends this process `seconds` + WATCHDOG_S from now.
pub fn watchdog(seconds: f64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs_f64(seconds + WATCHDOG_S));
        eprintln!("shmring-bench-rust: a child outlived its window; giving up");
        std::process::exit(3);
    });
}

fn api(what: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Writes for `seconds` (and at least the test hook's `Payload::minimum`
/// messages), then leaves (which ends the stream); "written N INJECTED".
pub fn writer(ring_name: &str, workload: &Workload, seconds: f64) -> Result<String, String> {
    let ring = Ring::open(ring_name, OPEN_TIMEOUT).map_err(api("open"))?;
    let mut writer = ring.writer().map_err(api("writer"))?;
    let batch = matches!(workload.kind, Kind::Batch);
    let mut payload = Payload::new(workload.size, if batch { BATCH } else { 2 });
    let clock_every = if matches!(workload.kind, Kind::Frame) { 1 } else { CLOCK_EVERY_SMALL };
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let (mut n, minimum) = (0u64, payload.minimum());
    for calls in 0u32.. {
        if calls % clock_every == 0 && n >= minimum && Instant::now() >= end {
            break;
        }
        if batch {
            for i in 0..BATCH as u64 {
                payload.stamp(n + i);
            }
            let messages: [&[u8]; BATCH] = std::array::from_fn(|i| payload.get(n + i as u64));
            let mut done = 0;
            while done < BATCH {
                done += writer.write_batch(&messages[done..], IO_TIMEOUT).map_err(api("write_batch"))?;
            }
            n += BATCH as u64;
        } else {
            payload.stamp(n);
            writer.write(payload.get(n), IO_TIMEOUT).map_err(api("write"))?;
            n += 1;
        }
    }
    writer.close().map_err(api("writer close"))?;
    Ok(format!("written {n} {}", payload.injected))
}

/// Joins, says "ready", reads and checks every message until the end of
/// the stream; "read N NS ERRORS FIRST-ERROR".
pub fn reader(ring_name: &str, workload: &Workload) -> Result<String, String> {
    let ring = Ring::open(ring_name, OPEN_TIMEOUT).map_err(api("open"))?;
    let mut reader = ring.reader().map_err(api("reader"))?;
    println!("ready");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut checker = Checker::new(workload.size);
    let batch = if matches!(workload.kind, Kind::Batch) { BATCH } else { 1 };
    let mut buf = vec![0u8; workload.size * batch];
    let mut lengths = [0u64; BATCH];
    let (mut n, mut first) = (0u64, None);
    loop {
        let got = match workload.kind {
            Kind::PerCall => reader.read(&mut buf, IO_TIMEOUT).map(|len| {
                checker.check(&buf[..len]);
                1
            }),
            Kind::Batch => reader.read_batch(&mut buf, &mut lengths, IO_TIMEOUT).map(|count| {
                let mut offset = 0;
                for &len in &lengths[..count] {
                    checker.check(&buf[offset..offset + len as usize]);
                    offset += len as usize;
                }
                count
            }),
            Kind::Frame => reader.peek(IO_TIMEOUT).and_then(|view| {
                checker.check(&view);
                view.release().map(|()| 1)
            }),
        };
        match got {
            Ok(count) => {
                first.get_or_insert_with(Instant::now); // time runs from the first message
                n += count as u64;
            }
            Err(Error::Closed(_)) => break,
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    let ns = first.map_or(0, |t: Instant| t.elapsed().as_nanos());
    Ok(format!("read {n} {ns} {} {}", checker.errors, checker.first_error))
}
