//! Per-frame luma statistics: BT.601 luma from BGR8, its 16-bin histogram
//! and mean, and motion energy (mean absolute luma difference to the
//! previous frame). Every pixel counts; nothing is subsampled.

pub const BINS: usize = 16;

/// What one frame yields.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameStats {
    pub luma_mean: f64,
    pub luma_hist: [u64; BINS],
    pub motion: f64,
}

/// BT.601 luma (0.114 B + 0.587 G + 0.299 R), rounded, in 16-bit fixed
/// point: the weights 7471 + 38470 + 19595 sum to 65536, so white stays 255.
pub fn luma(b: u8, g: u8, r: u8) -> u8 {
    ((7471 * u32::from(b) + 38470 * u32::from(g) + 19595 * u32::from(r) + 32768) >> 16) as u8
}

/// Computes [`FrameStats`] frame after frame, keeping the previous
/// frame's luma plane for motion. Both planes are reused, so a frame costs
/// no allocation.
#[derive(Default)]
pub struct LumaStats {
    current: Vec<u8>,
    previous: Vec<u8>,
    /// (width, height) of `previous`; None before the first frame.
    previous_size: Option<(u32, u32)>,
}

impl LumaStats {
    /// Statistics of one `width` x `height` frame of BGR8 `pixels`. Motion
    /// is 0 for the first frame and after a change of frame size.
    pub fn frame(&mut self, width: u32, height: u32, pixels: &[u8]) -> FrameStats {
        let count = width as usize * height as usize;
        assert_eq!(pixels.len(), count * 3, "pixels of a {width}x{height} BGR8 frame");
        self.current.resize(count, 0);
        // A separate pass per job: this one and the motion sum vectorize;
        // the histogram's scattered increments would stop that if fused.
        for (y, bgr) in self.current.iter_mut().zip(pixels.chunks_exact(3)) {
            *y = luma(bgr[0], bgr[1], bgr[2]);
        }
        let (luma_hist, luma_sum) = histogram(&self.current);
        let motion = match self.previous_size {
            Some(size) if size == (width, height) => abs_diff_sum(&self.current, &self.previous) as f64 / count as f64,
            _ => 0.0,
        };
        std::mem::swap(&mut self.current, &mut self.previous);
        self.previous_size = Some((width, height));
        FrameStats { luma_mean: luma_sum as f64 / count as f64, luma_hist, motion }
    }
}

/// The 16-bin histogram and the sum of a luma plane.
fn histogram(plane: &[u8]) -> ([u64; BINS], u64) {
    // 256 fine bins, four interleaved tables: consecutive equal values
    // (flat image areas) then do not wait on each other's increments.
    let mut fine = [[0u32; 256]; 4];
    let mut quads = plane.chunks_exact(4);
    for quad in &mut quads {
        for (table, &y) in fine.iter_mut().zip(quad) {
            table[usize::from(y)] += 1;
        }
    }
    for &y in quads.remainder() {
        fine[0][usize::from(y)] += 1;
    }
    let mut hist = [0u64; BINS];
    let mut sum = 0u64;
    for value in 0..256 {
        let n: u64 = fine.iter().map(|table| u64::from(table[value])).sum();
        hist[value >> 4] += n;
        sum += n * value as u64;
    }
    (hist, sum)
}

/// Sum of |a - b| over two planes of equal length.
fn abs_diff_sum(a: &[u8], b: &[u8]) -> u64 {
    // u32 partial sums over blocks that cannot overflow (4096 * 255 <
    // 2^32) vectorize better than one u64 accumulator.
    a.chunks(4096)
        .zip(b.chunks(4096))
        .map(|(a, b)| u64::from(a.iter().zip(b).map(|(&x, &y)| u32::from(x.abs_diff(y))).sum::<u32>()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(width: u32, height: u32, bgr: [u8; 3]) -> Vec<u8> {
        bgr.iter().copied().cycle().take(width as usize * height as usize * 3).collect()
    }

    #[test]
    fn luma_weights_follow_bt601_in_bgr_order() {
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(255, 0, 0), 29); // blue: 0.114 * 255 = 29.07
        assert_eq!(luma(0, 255, 0), 150); // green: 0.587 * 255 = 149.69
        assert_eq!(luma(0, 0, 255), 76); // red: 0.299 * 255 = 76.24
        assert_eq!(luma(100, 100, 100), 100);
    }

    #[test]
    fn a_uniform_frame_fills_one_bin() {
        let stats = LumaStats::default().frame(5, 3, &uniform(5, 3, [100, 100, 100]));
        let mut hist = [0u64; BINS];
        hist[100 / 16] = 15;
        assert_eq!(stats, FrameStats { luma_mean: 100.0, luma_hist: hist, motion: 0.0 });
    }

    #[test]
    fn histogram_and_mean_of_every_value() {
        // one pixel of each grey level 0..=255 (plus a remainder past the
        // four-wide chunks): 16 per bin, mean 127.5
        let pixels: Vec<u8> = (0..=255u8).chain([255]).flat_map(|v| [v, v, v]).collect();
        let stats = LumaStats::default().frame(257, 1, &pixels);
        let mut hist = [16u64; BINS];
        hist[15] = 17;
        assert_eq!(stats.luma_hist, hist);
        assert!((stats.luma_mean - (255.0 * 256.0 / 2.0 + 255.0) / 257.0).abs() < 1e-9);
    }

    #[test]
    fn motion_is_the_mean_absolute_difference_to_the_previous_frame() {
        let mut stats = LumaStats::default();
        assert_eq!(stats.frame(4, 2, &uniform(4, 2, [10, 10, 10])).motion, 0.0);
        assert_eq!(stats.frame(4, 2, &uniform(4, 2, [70, 70, 70])).motion, 60.0);
        // half the pixels back to 10: |10 - 70| on 4 of 8 pixels
        let mut half = uniform(4, 2, [70, 70, 70]);
        half[..12].fill(10);
        assert_eq!(stats.frame(4, 2, &half).motion, 30.0);
    }

    #[test]
    fn a_new_frame_size_restarts_motion() {
        let mut stats = LumaStats::default();
        stats.frame(4, 2, &uniform(4, 2, [0, 0, 0]));
        assert_eq!(stats.frame(2, 4, &uniform(2, 4, [200, 200, 200])).motion, 0.0);
    }
}
