//! shmring-bench-rust: the Rust API on python -m shmring_bench's workloads,
//! with the CLI, child protocol and JSON lines of bench/c (bench/README.md):
//!
//!   64B        `Writer::write` / `Reader::read`, one message per call
//!   64B-batch  `Writer::write_batch` / `Reader::read_batch` (64)
//!   1080p      `Writer::write` (copy in) / `Reader::peek` (zero-copy read)
//!
//! Each cell runs this program twice more, as `--role writer` and
//! `--role reader`, on a named ring the parent creates and removes.

mod payload;
mod roles;

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use shmring::Ring;

pub enum Kind {
    PerCall,
    Batch,
    Frame,
}

pub struct Workload {
    name: &'static str,
    size: usize,
    slots: u64,
    kind: Kind,
}

const WORKLOADS: [Workload; 3] = [
    Workload { name: "64B", size: 64, slots: 1024, kind: Kind::PerCall },
    Workload { name: "64B-batch", size: 64, slots: 1024, kind: Kind::Batch },
    Workload { name: "1080p", size: 6_220_800, slots: 8, kind: Kind::Frame },
];

const USAGE: &str = "usage: shmring-bench-rust [--duration SECONDS] [--workloads 64B,64B-batch,1080p]\n\
                     One JSON line per workload on stdout; exit 1 if any failed.";

struct Flags {
    seconds: f64,
    workloads: Vec<String>,
    role: Option<String>,
    ring: String,
}

fn parse(args: &[String]) -> Result<Flags, String> {
    let mut flags = Flags {
        seconds: 2.0,
        workloads: WORKLOADS.iter().map(|w| w.name.to_string()).collect(),
        role: None,
        ring: String::new(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--duration" => flags.seconds = value.parse().map_err(|_| format!("bad --duration {value}"))?,
            "--workloads" => flags.workloads = value.split(',').map(String::from).collect(),
            "--role" => flags.role = Some(value.clone()),
            "--ring" => flags.ring = value.clone(),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if flags.seconds.is_nan() || flags.seconds <= 0.0 {
        return Err("--duration must be positive".into());
    }
    if let Some(bad) = flags.workloads.iter().find(|w| !WORKLOADS.iter().any(|k| k.name == w.as_str())) {
        return Err(format!("unknown workload {bad}"));
    }
    Ok(flags)
}

/// A cell's outcome: rate, status and the faults the test hook injected.
struct Verdict {
    msg_per_s: f64,
    status: String,
    injected: u64,
}

/// One result as a JSON line (the schema of bench/README.md).
fn row(workload: &Workload, verdict: &Verdict) -> String {
    format!(
        "{{\"workload\": \"{}\", \"transport\": \"rust\", \"size\": {}, \"writers\": 1, \"readers\": 1, \
         \"msg_per_s\": {:.1}, \"mb_per_s\": {:.3}, \"p50_us\": null, \"p99_us\": null, \"status\": {:?}, \
         \"injected\": {}}}",
        workload.name,
        workload.size,
        verdict.msg_per_s,
        verdict.msg_per_s * workload.size as f64 / 1e6,
        verdict.status,
        verdict.injected
    )
}

type Report = Lines<BufReader<ChildStdout>>;

fn spawn(role: &str, ring: &str, workload: &Workload, seconds: f64) -> std::io::Result<(Child, Report)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--role", role, "--ring", ring, "--workloads", workload.name])
        .args(["--duration", &seconds.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    Ok((child, lines))
}

fn next_line(lines: &mut Report) -> String {
    lines.next().and_then(Result::ok).unwrap_or_default()
}

/// Runs one cell.
fn cell(workload: &Workload, seconds: f64) -> Verdict {
    let nonce = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("/shmring-bench-rust-{}-{nonce}", std::process::id());
    let ring = match Ring::create(&name, workload.size as u64, workload.slots) {
        Ok(ring) => ring,
        Err(e) => return Verdict { msg_per_s: 0.0, status: format!("FAILED: create: {e}"), injected: 0 },
    };
    let (mut ready, mut written, mut read) = (String::new(), String::new(), String::new());
    if let Ok((mut reader, mut reader_lines)) = spawn("reader", &name, workload, seconds) {
        ready = next_line(&mut reader_lines);
        let writer = if ready == "ready" { spawn("writer", &name, workload, seconds).ok() } else { None };
        match writer {
            Some((mut writer, mut writer_lines)) => {
                written = next_line(&mut writer_lines);
                let _ = writer.wait();
            }
            None => {
                let _ = reader.kill(); // no writer will end its stream
            }
        }
        read = next_line(&mut reader_lines);
        let _ = reader.wait();
    }
    drop(ring);
    let _ = Ring::unlink(&name);
    judge(&ready, &written, &read)
}

/// The cell's verdict from its children's report lines.
fn judge(ready: &str, written: &str, read: &str) -> Verdict {
    let counts: Vec<u64> = written.strip_prefix("written ").map_or(Vec::new(), |rest| {
        rest.split(' ').filter_map(|n| n.parse().ok()).collect()
    });
    let &[n_written, injected] = counts.as_slice() else {
        let what = if written.is_empty() { ready } else { written };
        return Verdict { msg_per_s: 0.0, status: format!("FAILED: writer: {what}"), injected: 0 };
    };
    let failed = |status: String| Verdict { msg_per_s: 0.0, status, injected };
    let fields: Vec<&str> = read.splitn(5, ' ').collect();
    let numbers: Vec<u64> = fields.iter().skip(1).take(3).filter_map(|f| f.parse().ok()).collect();
    if fields[0] != "read" || numbers.len() != 3 {
        let what = if read.is_empty() { "died" } else { read };
        return failed(format!("FAILED: reader: {what}"));
    }
    let (n_read, ns, errors) = (numbers[0], numbers[1], numbers[2]);
    if errors > 0 {
        return failed(format!("FAILED: {errors} bad messages; first: {}", fields.get(4).unwrap_or(&"")));
    }
    if n_read != n_written || n_read == 0 {
        return failed(format!("FAILED: {n_written} written, {n_read} read"));
    }
    Verdict { msg_per_s: n_read as f64 / (ns as f64 / 1e9), status: "ok".into(), injected }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = match parse(&args) {
        Ok(flags) => flags,
        Err(problem) => {
            eprintln!("shmring-bench-rust: {problem}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let chosen = WORKLOADS.iter().filter(|w| flags.workloads.iter().any(|n| n == w.name));
    if let Some(role) = &flags.role {
        let workload = chosen.into_iter().next().expect("a child runs one workload");
        roles::watchdog(flags.seconds);
        let report = match role.as_str() {
            "writer" => roles::writer(&flags.ring, workload, flags.seconds),
            _ => roles::reader(&flags.ring, workload),
        };
        let (line, status) = match report {
            Ok(line) => (line, 0),
            Err(problem) => (format!("error {problem}"), 1),
        };
        println!("{line}");
        std::process::exit(status);
    }
    let mut failed = false;
    for workload in chosen {
        let verdict = cell(workload, flags.seconds);
        failed |= verdict.status != "ok";
        println!("{}", row(workload, &verdict));
    }
    std::process::exit(i32::from(failed));
}
