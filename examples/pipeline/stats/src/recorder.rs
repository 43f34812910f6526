//! Turns each frame message into its stats.jsonl line, checking the header
//! and that frame numbers run 0, 1, 2, ... (a broadcast reader that joined
//! before the source started sees every frame).

use crate::events::{stats_line, Progress};
use crate::frame::FrameHeader;
use crate::luma::LumaStats;

#[derive(Default)]
pub struct Recorder {
    luma: LumaStats,
    progress: Progress,
    lines: String,
}

impl Recorder {
    /// Checks one frame message and records its statistics; the error
    /// (a bad header or a frame out of sequence) is one line.
    pub fn record(&mut self, message: &[u8]) -> Result<(), String> {
        let (header, pixels) = FrameHeader::parse(message)?;
        let expected = self.progress.last_frame.map_or(0, |last| last + 1);
        if header.frame_no != expected {
            return Err(format!("frame {} arrived where frame {expected} was due", header.frame_no));
        }
        let stats = self.luma.frame(header.width, header.height, pixels);
        self.lines.push_str(&stats_line(header.frame_no, &stats));
        self.progress = Progress { frames: self.progress.frames + 1, last_frame: Some(header.frame_no) };
        Ok(())
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The stats.jsonl text so far, one line per frame in frame order.
    pub fn lines(&self) -> &str {
        &self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x2 frame of one grey level.
    fn grey_frame(frame_no: u64, level: u8) -> Vec<u8> {
        FrameHeader { frame_no, capture_ns: 0, width: 2, height: 2 }.message(&[level; 12])
    }

    #[test]
    fn records_consecutive_frames_in_order() {
        let mut recorder = Recorder::default();
        recorder.record(&grey_frame(0, 16)).unwrap();
        recorder.record(&grey_frame(1, 48)).unwrap();
        assert_eq!(recorder.progress().frames, 2);
        assert_eq!(recorder.progress().last_frame, Some(1));
        let lines: Vec<&str> = recorder.lines().lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("{\"frame\":0,\"luma_mean\":16.000,\"luma_hist\":[0,4,0,"), "{}", lines[0]);
        assert!(lines[1].ends_with("\"motion\":32.000}"), "{}", lines[1]);
    }

    #[test]
    fn refuses_a_gap_a_repeat_and_a_late_start() {
        let mut recorder = Recorder::default();
        assert!(recorder.record(&grey_frame(1, 0)).unwrap_err().contains("frame 0 was due"));
        recorder.record(&grey_frame(0, 0)).unwrap();
        assert!(recorder.record(&grey_frame(0, 0)).unwrap_err().contains("frame 1 was due"));
        assert!(recorder.record(&grey_frame(2, 0)).unwrap_err().contains("frame 1 was due"));
        assert_eq!(recorder.progress().frames, 1);
    }

    #[test]
    fn refuses_a_bad_header() {
        let mut frame = grey_frame(0, 0);
        frame[0] = 0;
        assert!(Recorder::default().record(&frame).unwrap_err().contains("SHMA"));
    }
}
