//! Turns each frame message into its stats.jsonl line, checking the header
//! and that frame numbers run 0, 1, 2, ... (a broadcast reader that joined
//! before the source started sees every frame).

use crate::events::{stats_line, Progress};
use crate::frame::{FrameHeader, HEADER_BYTES};
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
        let header = FrameHeader::parse(message)?;
        let expected = self.progress.last_frame.map_or(0, |last| last + 1);
        if header.frame_no != expected {
            return Err(format!("frame {} arrived where frame {expected} was due", header.frame_no));
        }
        let stats = self.luma.frame(header.width, header.height, &message[HEADER_BYTES..]);
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
    use crate::frame::{CHANNELS, MAGIC};

    fn grey_frame(frame_no: u64, level: u8) -> Vec<u8> {
        let (width, height) = (2u32, 2u32);
        let mut m = vec![level; HEADER_BYTES + (width * height * CHANNELS) as usize];
        m[..HEADER_BYTES].fill(0);
        m[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        m[4..8].copy_from_slice(&(HEADER_BYTES as u32).to_le_bytes());
        m[8..16].copy_from_slice(&frame_no.to_le_bytes());
        m[24..28].copy_from_slice(&width.to_le_bytes());
        m[28..32].copy_from_slice(&height.to_le_bytes());
        m[32..36].copy_from_slice(&CHANNELS.to_le_bytes());
        m[36..40].copy_from_slice(&(width * CHANNELS).to_le_bytes());
        m
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
        assert!(Recorder::default().record(&frame).unwrap_err().contains("magic"));
    }
}
