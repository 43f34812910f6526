//! The built `pipeline-stats` against a ring this test writes: the ready,
//! progress and done lines, stats.jsonl, and the exit codes 2, 3 and 130.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pipeline_stats::frame::FrameHeader;
use shmring::Ring;

const WAIT: Duration = Duration::from_secs(20);

/// A ring and an output directory no other test or run uses (sandboxed
/// runs share pids and /dev/shm, hence the time), removed on drop.
struct Fixture {
    name: String,
    ring: Ring,
    out: PathBuf,
}

impl Fixture {
    fn new(tag: &str, slot_bytes: usize) -> Fixture {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let name = format!("/pipeline-stats-{tag}-{}-{nanos}", std::process::id());
        let ring = Ring::create(&name, slot_bytes as u64, 8).unwrap();
        let out = std::env::temp_dir().join(name.trim_start_matches('/'));
        Fixture { name, ring, out }
    }

    /// Starts the stage with `--report-ms 20`, waits for its ready line.
    fn start(&self) -> Stage {
        let args = ["--ring", &self.name, "--out", self.out.to_str().unwrap(), "--report-ms", "20"];
        let stage = Stage::spawn(&args);
        assert_eq!(stage.line(), r#"{"stage":"stats","event":"ready"}"#);
        stage
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Ring::unlink(&self.name);
        let _ = std::fs::remove_dir_all(&self.out);
    }
}

/// The running program, its stdout lines arriving on a channel.
struct Stage {
    child: Child,
    lines: Receiver<String>,
}

impl Stage {
    fn spawn(args: &[&str]) -> Stage {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pipeline-stats"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = mpsc::channel();
        thread::spawn(move || stdout.lines().map_while(Result::ok).try_for_each(|line| send.send(line)));
        Stage { child, lines }
    }

    fn line(&self) -> String {
        self.lines.recv_timeout(WAIT).expect("a line from pipeline-stats")
    }

    /// Waits for the exit; returns the status, the rest of stdout and stderr.
    fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "pipeline-stats did not exit");
            thread::sleep(Duration::from_millis(10));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        (status, self.lines.iter().collect(), stderr)
    }
}

const WIDTH: u32 = 8;
const HEIGHT: u32 = 4;
const PIXELS: usize = (WIDTH * HEIGHT) as usize;
/// A frame message's bytes: the array header (with the 16-byte user header) and the pixels.
const FRAME_BYTES: usize = 112 + PIXELS * 3;

fn frame(frame_no: u64, pixels: &[u8]) -> Vec<u8> {
    FrameHeader { frame_no, capture_ns: 0, width: WIDTH, height: HEIGHT }.message(pixels)
}

fn uniform(bgr: [u8; 3]) -> Vec<u8> {
    bgr.repeat(PIXELS)
}

#[test]
fn records_every_frame_and_reports() {
    let fixture = Fixture::new("ok", FRAME_BYTES);
    let stage = fixture.start();
    let mut half = uniform([0, 0, 0]); // top half black, bottom half white
    half[PIXELS * 3 / 2..].fill(255);
    let frames = [uniform([100, 100, 100]), uniform([200, 200, 200]), uniform([255, 0, 0]), half];
    let mut writer = fixture.ring.writer().unwrap();
    for (frame_no, pixels) in frames.iter().enumerate() {
        writer.write(&frame(frame_no as u64, pixels), Some(WAIT)).unwrap();
        thread::sleep(Duration::from_millis(30)); // room for progress lines
    }
    drop(writer); // the last writer leaving ends the stream

    let (status, lines, stderr) = stage.finish();
    assert!(status.success(), "{status}: {stderr}");
    let (done, progress) = lines.split_last().unwrap();
    assert!(!progress.is_empty(), "no progress line in {lines:?}");
    for line in progress {
        assert!(line.starts_with(r#"{"stage":"stats","event":"progress","frames":"#), "{line}");
    }
    let stats_path = fixture.out.join("stats.jsonl");
    let head = r#"{"stage":"stats","event":"done","frames":4,"skipped":0,"last_frame":3,"cpu_s":"#;
    assert!(done.starts_with(head), "{done}");
    assert!(done.ends_with(&format!(r#","outputs":["{}"]}}"#, stats_path.display())), "{done}");

    let stats = std::fs::read_to_string(stats_path).unwrap();
    let expected = [
        // grey 100: all 32 pixels in bin 6 (96..111)
        r#"{"frame":0,"luma_mean":100.000,"luma_hist":[0,0,0,0,0,0,32,0,0,0,0,0,0,0,0,0],"motion":0.000}"#,
        // grey 200: bin 12 (192..207), every pixel 100 brighter
        r#"{"frame":1,"luma_mean":200.000,"luma_hist":[0,0,0,0,0,0,0,0,0,0,0,0,32,0,0,0],"motion":100.000}"#,
        // pure blue in BGR order: luma 0.114 * 255 = 29, bin 1
        r#"{"frame":2,"luma_mean":29.000,"luma_hist":[0,32,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"motion":171.000}"#,
        // half black, half white: |0 - 29| and |255 - 29| on 16 pixels each
        r#"{"frame":3,"luma_mean":127.500,"luma_hist":[16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,16],"motion":127.500}"#,
    ];
    assert_eq!(stats.lines().collect::<Vec<_>>(), expected);
}

/// Writes `messages` to a started stage and expects exit 3 with one line
/// on stderr naming `why`.
fn refused(tag: &str, messages: &[Vec<u8>], why: &str) {
    let fixture = Fixture::new(tag, FRAME_BYTES);
    let stage = fixture.start();
    let mut writer = fixture.ring.writer().unwrap();
    for message in messages {
        writer.write(message, Some(WAIT)).unwrap();
    }
    let (status, _, stderr) = stage.finish();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
    assert!(!fixture.out.join("stats.jsonl").exists());
}

#[test]
fn a_corrupt_header_exits_3() {
    let mut bad = frame(0, &uniform([1, 2, 3]));
    bad[0] ^= 0xFF;
    refused("magic", &[bad], "it does not start with \"SHMA\"");
}

#[test]
fn a_message_shorter_than_its_frame_exits_3() {
    let short = frame(0, &uniform([1, 2, 3]));
    refused("short", &[short[..short.len() - 3].to_vec()], "run past its end");
}

#[test]
fn a_gap_in_frame_numbers_exits_3() {
    let pixels = uniform([9, 9, 9]);
    refused("gap", &[frame(0, &pixels), frame(2, &pixels)], "frame 2 arrived where frame 1 was due");
}

#[test]
fn sigterm_exits_130_promptly_writing_nothing() {
    let fixture = Fixture::new("term", FRAME_BYTES);
    let mut stage = fixture.start();
    fixture.ring.writer().unwrap().write(&frame(0, &uniform([5, 5, 5])), Some(WAIT)).ok();
    let sent = Instant::now();
    // SAFETY: signalling our own child, which is alive until reaped.
    assert_eq!(unsafe { libc::kill(stage.child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = stage.child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    // A hang guard, not a measurement: SIGTERM must end the stage, however
    // slow the machine (docs/testing.md).
    assert!(sent.elapsed() < Duration::from_secs(30), "took {:?}", sent.elapsed());
    assert!(!fixture.out.join("stats.jsonl").exists());
    assert!(stage.lines.iter().all(|line| line.contains(r#""event":"progress""#)));
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    for args in [&["--ring", "/x"][..], &["--ring", "/x", "--out", "d", "--report-ms", "-1"], &["--what", "1"]] {
        let (status, lines, stderr) = Stage::spawn(args).finish();
        assert_eq!(status.code(), Some(2), "{args:?}");
        assert!(lines.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// The stage's CPU time per 1080p frame (cpu_s / frames of its done line).
/// A measurement, not a check: `cargo test --release -p pipeline-stats --
/// --ignored --nocapture` prints it.
#[test]
#[ignore]
fn cpu_per_1080p_frame() {
    const FRAMES: u64 = 300;
    let (width, height) = (1920u32, 1080u32);
    let header_bytes = FrameHeader { frame_no: 0, capture_ns: 0, width, height }.header_bytes().len();
    let fixture = Fixture::new("1080p", header_bytes + 1920 * 1080 * 3);
    let stage = fixture.start();
    // A frame full of varied bytes, so that histogram bins and motion work.
    let pixels: Vec<u8> = (0..width as usize * height as usize * 3).map(|i| (i * 7 + i / 4099) as u8).collect();
    let mut writer = fixture.ring.writer().unwrap();
    for frame_no in 0..FRAMES {
        let header = FrameHeader { frame_no, capture_ns: 0, width, height };
        let mut reservation = writer.reserve(Some(WAIT)).unwrap();
        reservation[..header_bytes].copy_from_slice(&header.header_bytes());
        let shift = frame_no as usize % 3; // every frame a little different
        reservation[header_bytes..header_bytes + pixels.len() - shift].copy_from_slice(&pixels[shift..]);
        reservation.commit(header_bytes + pixels.len()).unwrap();
    }
    drop(writer);
    let (status, lines, stderr) = stage.finish();
    assert!(status.success(), "{stderr}");
    let done = lines.last().unwrap();
    let cpu_s: f64 = done.split("\"cpu_s\":").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    println!("pipeline-stats: {:.2} ms of CPU per 1080p frame ({FRAMES} frames: {done})", cpu_s * 1000.0 / FRAMES as f64);
}
