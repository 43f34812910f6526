//! The frames ring message (examples/pipeline/PROTOCOL.md): an array
//! message of shmring (docs/messages.md), uint8 of shape (height, width, 3),
//! BGR8 rows, with the frame number and capture time in its user header.

use shmring::{array_header, ArrayRef, DType};

pub const CHANNELS: u32 = 3;
/// The user header: frame_no, capture_ns (u64 little-endian each).
pub const FIELDS_BYTES: usize = 16;

/// A checked frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub frame_no: u64,
    pub capture_ns: u64,
    pub width: u32,
    pub height: u32,
}

impl FrameHeader {
    /// Checks a frame message and returns its header and pixels: the core
    /// checks the array header; here, uint8 of shape (height, width, 3) with
    /// no empty side, the 16-byte user header, and no bytes after the pixels.
    pub fn parse(message: &[u8]) -> Result<(FrameHeader, &[u8]), String> {
        let array = ArrayRef::decode(message).map_err(|e| format!("bad frame message: {e}"))?;
        let shape = array.shape();
        let pixels = array.elements::<u8>().map_err(|e| format!("bad frame message: {e}"))?;
        let fields = array.user();
        if shape.len() != 3 || shape[2] != u64::from(CHANNELS) || shape.contains(&0) || fields.len() != FIELDS_BYTES {
            return Err(format!("bad frame message: shape {shape:?}, {} user bytes", fields.len()));
        }
        if pixels.as_ptr() as usize + pixels.len() != message.as_ptr() as usize + message.len() {
            return Err(format!("bad frame message: {} bytes after the pixels", message.len() - pixels.len()));
        }
        let (width, height) = (u32::try_from(shape[1]), u32::try_from(shape[0]));
        let (Ok(width), Ok(height)) = (width, height) else {
            return Err(format!("bad frame message: a frame of {}x{}", shape[1], shape[0]));
        };
        let field = |i: usize| u64::from_le_bytes(fields[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Ok((FrameHeader { frame_no: field(0), capture_ns: field(1), width, height }, pixels))
    }

    /// Bytes per pixel row.
    pub fn row_bytes(&self) -> usize {
        self.width as usize * CHANNELS as usize
    }

    /// The array message header as a source writes it (the pixels follow).
    pub fn header_bytes(&self) -> Vec<u8> {
        let fields = [self.frame_no.to_le_bytes(), self.capture_ns.to_le_bytes()].concat();
        let shape = [u64::from(self.height), u64::from(self.width), u64::from(CHANNELS)];
        array_header(DType::UINT8, &shape, &fields).expect("a frame's shape and fields fit the format")
    }

    /// A whole frame message: this header, then `pixels` (BGR8 rows).
    pub fn message(&self, pixels: &[u8]) -> Vec<u8> {
        [&self.header_bytes()[..], pixels].concat()
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
    fn parses_a_good_frame() {
        let m = message(4, 2);
        let (header, pixels) = FrameHeader::parse(&m).unwrap();
        assert_eq!(header, FrameHeader { frame_no: 7, capture_ns: 123_456, width: 4, height: 2 });
        assert_eq!((header.row_bytes(), pixels.len()), (12, 24));
    }

    #[test]
    fn a_frame_is_an_array_message_with_its_fields_in_the_user_header() {
        let m = FrameHeader { frame_no: 0x0102, capture_ns: 0x0304, width: 5, height: 6 }.message(&[0; 90]);
        let array = ArrayRef::decode(&m).unwrap();
        assert_eq!((array.dtype(), array.shape()), (DType::UINT8, &[6u64, 5, 3][..]));
        assert_eq!(&array.user()[..2], &[0x02, 0x01]);
        assert_eq!(&array.user()[8..10], &[0x04, 0x03]);
    }

    fn refused(m: &[u8], why: &str) {
        let err = FrameHeader::parse(m).unwrap_err();
        assert!(err.contains(why), "{err:?} does not mention {why:?}");
    }

    #[test]
    fn refuses_each_bad_field() {
        refused(&message(4, 2)[..20], "shorter");
        let mut m = message(4, 2);
        m[0] = b'X';
        refused(&m, "SHMA");
        let mut m = message(4, 2);
        m.pop();
        refused(&m, "past its end");
        let mut m = message(4, 2);
        m.push(0);
        refused(&m, "after the pixels");
        let other = |dtype, shape: &[u64], user: &[u8], bytes| [array_header(dtype, shape, user).unwrap(), vec![0; bytes]].concat();
        refused(&other(DType::UINT16, &[2, 4, 3], &[0; 16], 48), "uint16");
        refused(&other(DType::UINT8, &[2, 4, 4], &[0; 16], 32), "shape [2, 4, 4]");
        refused(&other(DType::UINT8, &[2, 0, 3], &[0; 16], 0), "shape [2, 0, 3]");
        refused(&other(DType::UINT8, &[2, 4, 3], &[0; 8], 24), "8 user bytes");
    }
}
