//! The stage's life: open the ring, join as a broadcast reader, announce
//! readiness, then record every frame zero-copy until end of stream,
//! printing progress; finally write stats.jsonl and the done line.

use std::fs;
use std::io::Write;
use std::time::{Duration, Instant};

use shmring::{Error, Ring};

use crate::args::Args;
use crate::cpu::cpu_seconds;
use crate::events::{done_line, progress_line, ready_line};
use crate::recorder::Recorder;
use crate::signals;

/// How long to wait for the orchestrator's ring to appear.
const OPEN_WAIT: Duration = Duration::from_secs(10);
/// Longest single wait for a frame, so a signal or a due progress line is
/// noticed promptly.
const POLL: Duration = Duration::from_millis(100);

/// Why the stage stopped early; each maps to an exit code of PROTOCOL.md.
#[derive(Debug)]
pub enum Failure {
    /// Ring, file or stdout trouble: exit 1.
    Runtime(String),
    /// A frame failed a check: exit 3.
    BadFrame(String),
    /// SIGTERM or SIGINT: exit 130.
    Interrupted,
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Runtime(_) => 1,
            Failure::BadFrame(_) => 3,
            Failure::Interrupted => 130,
        }
    }

    /// The line for stderr; none when interrupted (nothing more is written).
    pub fn message(&self) -> Option<&str> {
        match self {
            Failure::Runtime(message) | Failure::BadFrame(message) => Some(message),
            Failure::Interrupted => None,
        }
    }
}

fn runtime(what: &str) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::Runtime(format!("{what}: {e}"))
}

fn ring_failure(what: &str) -> impl Fn(Error) -> Failure + '_ {
    move |e| Failure::Runtime(format!("{what}: {e}"))
}

/// Prints one line and flushes: the orchestrator reads these as they come.
fn say(stdout: &mut impl Write, line: &str) -> Result<(), Failure> {
    writeln!(stdout, "{line}").and_then(|()| stdout.flush()).map_err(runtime("stdout"))
}

pub fn run(args: &Args, stdout: &mut impl Write) -> Result<(), Failure> {
    let ring = Ring::open(&args.ring, Some(OPEN_WAIT)).map_err(ring_failure(&args.ring))?;
    let mut reader = ring.reader().map_err(ring_failure("joining as a reader"))?;
    // Made before "ready" so that an unusable --out fails before any frame.
    fs::create_dir_all(&args.out).map_err(runtime(&args.out.to_string_lossy()))?;
    say(stdout, &ready_line())?;

    let started = Instant::now();
    let mut recorder = Recorder::default();
    let mut next_report = started + args.report_every;
    loop {
        if signals::stop_requested() {
            return Err(Failure::Interrupted); // dropping the reader leaves the ring
        }
        let now = Instant::now();
        if now >= next_report {
            say(stdout, &progress_line(&recorder.progress()))?;
            next_report = now + args.report_every;
        }
        match reader.peek(Some(POLL.min(next_report - now))) {
            Ok(view) => {
                recorder.record(&view).map_err(Failure::BadFrame)?;
                view.release().map_err(ring_failure("release"))?;
            }
            Err(Error::Timeout(_)) => {}
            Err(Error::Closed(_)) => break,
            Err(e) => return Err(Failure::Runtime(format!("read: {e}"))),
        }
    }
    reader.close().map_err(ring_failure("leaving the ring"))?;

    let path = args.out.join("stats.jsonl");
    fs::write(&path, recorder.lines()).map_err(runtime(&path.to_string_lossy()))?;
    let elapsed = started.elapsed().as_secs_f64();
    say(stdout, &done_line(&recorder.progress(), cpu_seconds(), elapsed, &[path]))
}
