//! The JSON this stage prints (ready, progress, done) and writes (one
//! stats.jsonl line per frame), formatted by hand: a handful of numbers and
//! paths does not need a serializer.

use std::fmt::Write;
use std::path::PathBuf;

use crate::luma::FrameStats;

/// Frames processed so far. `skipped` is in the lines for the protocol's
/// sake: a broadcast reader sees every frame, so it is always 0.
#[derive(Debug, Default, Clone, Copy)]
pub struct Progress {
    pub frames: u64,
    pub last_frame: Option<u64>,
}

impl Progress {
    fn fields(&self) -> String {
        let last = self.last_frame.map_or(-1, |f| f as i128);
        format!("\"frames\":{},\"skipped\":0,\"last_frame\":{last}", self.frames)
    }
}

pub fn ready_line() -> String {
    r#"{"stage":"stats","event":"ready"}"#.to_string()
}

pub fn progress_line(progress: &Progress) -> String {
    format!("{{\"stage\":\"stats\",\"event\":\"progress\",{}}}", progress.fields())
}

pub fn done_line(progress: &Progress, cpu_s: f64, elapsed_s: f64, outputs: &[PathBuf]) -> String {
    let outputs: Vec<String> = outputs.iter().map(|p| json_string(&p.to_string_lossy())).collect();
    format!(
        "{{\"stage\":\"stats\",\"event\":\"done\",{},\"cpu_s\":{cpu_s:.3},\"elapsed_s\":{elapsed_s:.3},\"outputs\":[{}]}}",
        progress.fields(),
        outputs.join(",")
    )
}

/// One stats.jsonl line, with its newline.
pub fn stats_line(frame_no: u64, stats: &FrameStats) -> String {
    let hist: Vec<String> = stats.luma_hist.iter().map(u64::to_string).collect();
    format!(
        "{{\"frame\":{frame_no},\"luma_mean\":{:.3},\"luma_hist\":[{}],\"motion\":{:.3}}}\n",
        stats.luma_mean,
        hist.join(","),
        stats.motion
    )
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c)).expect("writing to a String"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::luma::BINS;

    #[test]
    fn progress_before_and_after_the_first_frame() {
        assert_eq!(
            progress_line(&Progress::default()),
            r#"{"stage":"stats","event":"progress","frames":0,"skipped":0,"last_frame":-1}"#
        );
        let progress = Progress { frames: 3, last_frame: Some(2) };
        assert_eq!(progress_line(&progress), r#"{"stage":"stats","event":"progress","frames":3,"skipped":0,"last_frame":2}"#);
    }

    #[test]
    fn done_line_quotes_its_paths() {
        let progress = Progress { frames: 1, last_frame: Some(0) };
        let line = done_line(&progress, 0.25, 1.5, &[PathBuf::from("out \"x\"\\\n/stats.jsonl")]);
        assert_eq!(
            line,
            r#"{"stage":"stats","event":"done","frames":1,"skipped":0,"last_frame":0,"cpu_s":0.250,"elapsed_s":1.500,"outputs":["out \"x\"\\\u000a/stats.jsonl"]}"#
        );
    }

    #[test]
    fn stats_line_fields() {
        let mut luma_hist = [0u64; BINS];
        luma_hist[6] = 12;
        let stats = FrameStats { luma_mean: 100.0, luma_hist, motion: 2.5 };
        assert_eq!(
            stats_line(4, &stats),
            "{\"frame\":4,\"luma_mean\":100.000,\"luma_hist\":[0,0,0,0,0,0,12,0,0,0,0,0,0,0,0,0],\"motion\":2.500}\n"
        );
    }
}
