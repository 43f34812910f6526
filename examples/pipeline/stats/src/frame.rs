//! The frames ring message: a 64-byte little-endian header, then BGR8
//! pixels row by row (examples/pipeline/PROTOCOL.md).

/// The bytes `S R F M` read as a little-endian u32.
pub const MAGIC: u32 = 0x4D46_5253;
pub const HEADER_BYTES: usize = 64;
pub const CHANNELS: u32 = 3;

/// A checked frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub frame_no: u64,
    pub capture_ns: u64,
    pub width: u32,
    pub height: u32,
}

fn u32_at(message: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(message[offset..offset + 4].try_into().expect("4 bytes"))
}

fn u64_at(message: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(message[offset..offset + 8].try_into().expect("8 bytes"))
}

impl FrameHeader {
    /// Reads and checks the header of `message` (magic, header size,
    /// channels, row size, and the pixel bytes against the message length).
    pub fn parse(message: &[u8]) -> Result<FrameHeader, String> {
        if message.len() < HEADER_BYTES {
            return Err(format!("message of {} bytes is shorter than the {HEADER_BYTES}-byte frame header", message.len()));
        }
        let magic = u32_at(message, 0);
        if magic != MAGIC {
            return Err(format!("bad frame magic 0x{magic:08X} (expected 0x{MAGIC:08X})"));
        }
        let header_bytes = u32_at(message, 4);
        if header_bytes as usize != HEADER_BYTES {
            return Err(format!("header_bytes is {header_bytes} (expected {HEADER_BYTES})"));
        }
        let header = FrameHeader {
            frame_no: u64_at(message, 8),
            capture_ns: u64_at(message, 16),
            width: u32_at(message, 24),
            height: u32_at(message, 28),
        };
        let (channels, row_bytes) = (u32_at(message, 32), u32_at(message, 36));
        let frame = header.frame_no;
        if channels != CHANNELS {
            return Err(format!("frame {frame}: channels is {channels} (expected {CHANNELS})"));
        }
        if header.width == 0 || header.height == 0 {
            return Err(format!("frame {frame}: empty frame {}x{}", header.width, header.height));
        }
        if u64::from(row_bytes) != u64::from(header.width) * u64::from(CHANNELS) {
            return Err(format!("frame {frame}: row_bytes is {row_bytes} for width {}", header.width));
        }
        let expected = HEADER_BYTES as u64 + u64::from(header.height) * u64::from(row_bytes);
        if message.len() as u64 != expected {
            return Err(format!(
                "frame {frame}: message of {} bytes, a {}x{} frame needs {expected}",
                message.len(),
                header.width,
                header.height
            ));
        }
        Ok(header)
    }

    /// Bytes per pixel row.
    pub fn row_bytes(&self) -> usize {
        self.width as usize * CHANNELS as usize
    }

    /// The header as a source writes it (reserved bytes zero).
    pub fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        out[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        out[4..8].copy_from_slice(&(HEADER_BYTES as u32).to_le_bytes());
        out[8..16].copy_from_slice(&self.frame_no.to_le_bytes());
        out[16..24].copy_from_slice(&self.capture_ns.to_le_bytes());
        out[24..28].copy_from_slice(&self.width.to_le_bytes());
        out[28..32].copy_from_slice(&self.height.to_le_bytes());
        out[32..36].copy_from_slice(&CHANNELS.to_le_bytes());
        out[36..40].copy_from_slice(&(self.row_bytes() as u32).to_le_bytes());
        out
    }

    /// A whole frame message: this header, then `pixels` (BGR8 rows).
    pub fn message(&self, pixels: &[u8]) -> Vec<u8> {
        [&self.to_bytes()[..], pixels].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(width: u32, height: u32) -> Vec<u8> {
        let header = FrameHeader { frame_no: 7, capture_ns: 123_456, width, height };
        header.message(&vec![0u8; header.row_bytes() * height as usize])
    }

    #[test]
    fn parses_a_good_header() {
        let header = FrameHeader::parse(&message(4, 2)).unwrap();
        assert_eq!(header, FrameHeader { frame_no: 7, capture_ns: 123_456, width: 4, height: 2 });
        assert_eq!(header.row_bytes(), 12);
    }

    #[test]
    fn header_fields_sit_at_the_protocol_offsets() {
        let bytes = FrameHeader { frame_no: 0x0102, capture_ns: 0x0304, width: 5, height: 6 }.to_bytes();
        assert_eq!(&bytes[0..8], &[b'S', b'R', b'F', b'M', 64, 0, 0, 0]);
        assert_eq!(&bytes[8..10], &[0x02, 0x01]);
        assert_eq!(&bytes[16..18], &[0x04, 0x03]);
        assert_eq!(&bytes[24..40], &[5, 0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0, 15, 0, 0, 0]);
        assert!(bytes[40..].iter().all(|&b| b == 0));
    }

    fn refused(m: &[u8], why: &str) {
        let err = FrameHeader::parse(m).unwrap_err();
        assert!(err.contains(why), "{err:?} does not mention {why:?}");
    }

    #[test]
    fn refuses_each_bad_field() {
        refused(&message(4, 2)[..40], "shorter");
        let mut m = message(4, 2);
        m[0] = b'X';
        refused(&m, "magic");
        let mut m = message(4, 2);
        m[4] = 32;
        refused(&m, "header_bytes");
        let mut m = message(4, 2);
        m[32] = 4;
        refused(&m, "channels");
        let mut m = message(4, 2);
        m[36] = 13;
        refused(&m, "row_bytes");
        let mut m = message(4, 2);
        m[24] = 0;
        refused(&m, "empty");
    }

    #[test]
    fn refuses_a_length_that_does_not_match_the_size() {
        let mut m = message(4, 2);
        m.pop();
        refused(&m, "needs 88");
        let mut m = message(4, 2);
        m.push(0);
        refused(&m, "needs 88");
    }
}
