//! What a benchmark message holds and how its reader checks it: the scheme
//! of bench/c/payload.h (16-byte header: u32 writer = 0, u32 CRC-32C of the
//! body, u64 sequence; the body sampled every 4093rd byte above 4096 bytes).

const HEADER: usize = 16;
const SAMPLE_ABOVE: usize = 4096;
const STRIDE: usize = 4093;
/// Test hook: the writer corrupts the message with this sequence number
/// (counted in `Payload::injected`) and writes at least that many + 1
/// messages whatever its duration (`Payload::minimum`), so the fault is
/// planted however slow the machine.
const CORRUPT_ENV: &str = "SHMRING_BENCH_CORRUPT";

#[cfg(target_arch = "x86_64")]
fn crc32c(data: &[u8]) -> u32 {
    #[target_feature(enable = "sse4.2")]
    unsafe fn hardware(data: &[u8]) -> u32 {
        use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};
        let mut crc = 0xFFFF_FFFFu64;
        let words = data.chunks_exact(8);
        let tail = words.remainder();
        for word in words {
            crc = _mm_crc32_u64(crc, u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let mut crc = crc as u32;
        for &byte in tail {
            crc = _mm_crc32_u8(crc, byte);
        }
        !crc
    }
    if is_x86_feature_detected!("sse4.2") {
        // SAFETY: the CPU has SSE4.2 (checked just above).
        unsafe { hardware(data) }
    } else {
        software_crc32c(data)
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn crc32c(data: &[u8]) -> u32 {
    software_crc32c(data)
}

/// CRC-32C bit by bit (reflected polynomial 0x82F63B78): slow, correct.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn software_crc32c(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0x82F6_3B78 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

fn digest(body: &[u8], samples: &mut Vec<u8>) -> u32 {
    if body.len() <= SAMPLE_ABOVE {
        return crc32c(body);
    }
    samples.clear();
    samples.extend(body.iter().step_by(STRIDE));
    crc32c(samples)
}

/// The writer's side: `count` prebuilt messages (body variant k % 2) whose
/// header `stamp` fills in, so a message costs no copy before the ring's.
pub struct Payload {
    size: usize,
    count: usize,
    messages: Vec<u8>,
    crc: [u32; 2],
    first: [u8; 2],
    corrupt: Option<u64>,
    /// Corrupted messages stamped so far.
    pub injected: u64,
}

impl Payload {
    pub fn new(size: usize, count: usize) -> Payload {
        let mut messages = vec![0u8; size * count];
        let mut state = 0x9E37_79B9_7F4A_7C15u64; // splitmix64: any fixed bytes do
        let (mut crc, mut first, mut samples) = ([0; 2], [0; 2], Vec::new());
        for variant in 0..2 {
            let body = &mut messages[variant * size + HEADER..(variant + 1) * size];
            for byte in body.iter_mut() {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let z = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                *byte = ((z ^ (z >> 27)) >> 56) as u8;
            }
            crc[variant] = digest(body, &mut samples);
            first[variant] = body[0];
        }
        for k in 2..count {
            let (built, rest) = messages.split_at_mut(k * size);
            rest[..size].copy_from_slice(&built[(k % 2) * size..(k % 2 + 1) * size]);
        }
        let corrupt = std::env::var(CORRUPT_ENV).ok().and_then(|v| v.parse().ok());
        Payload { size, count, messages, crc, first, corrupt, injected: 0 }
    }

    /// Messages to write before stopping: the test hook's sequence + 1, else 0.
    pub fn minimum(&self) -> u64 {
        self.corrupt.map_or(0, |sequence| sequence.saturating_add(1))
    }

    /// Stamps the prebuilt message for `sequence`.
    pub fn stamp(&mut self, sequence: u64) {
        let k = (sequence % self.count as u64) as usize;
        let variant = k % 2;
        let m = &mut self.messages[k * self.size..(k + 1) * self.size];
        m[..4].copy_from_slice(&0u32.to_le_bytes());
        m[4..8].copy_from_slice(&self.crc[variant].to_le_bytes());
        m[8..16].copy_from_slice(&sequence.to_le_bytes());
        // Re-set every time: this buffer may have carried the corruption.
        let corrupt = Some(sequence) == self.corrupt;
        m[HEADER] = self.first[variant] ^ if corrupt { 0xFF } else { 0 };
        self.injected += u64::from(corrupt);
    }

    /// The message for `sequence` as last stamped.
    pub fn get(&self, sequence: u64) -> &[u8] {
        let k = (sequence % self.count as u64) as usize;
        &self.messages[k * self.size..(k + 1) * self.size]
    }
}

/// The reader's side: `check` each message in order; every message of the
/// stream must come, once, with its checksum.
pub struct Checker {
    size: usize,
    pub expected: u64,
    pub errors: u64,
    pub first_error: String,
    samples: Vec<u8>,
}

impl Checker {
    pub fn new(size: usize) -> Checker {
        Checker { size, expected: 0, errors: 0, first_error: String::new(), samples: Vec::new() }
    }

    fn fail(&mut self, problem: impl FnOnce() -> String) {
        if self.errors == 0 {
            self.first_error = problem();
        }
        self.errors += 1;
    }

    pub fn check(&mut self, message: &[u8]) {
        if message.len() != self.size {
            let (len, size) = (message.len(), self.size);
            self.fail(|| format!("a message of {len} bytes, not {size}"));
            self.expected += 1;
            return;
        }
        let crc = u32::from_le_bytes(message[4..8].try_into().expect("4 bytes"));
        let sequence = u64::from_le_bytes(message[8..16].try_into().expect("8 bytes"));
        let expected = self.expected;
        if digest(&message[HEADER..], &mut self.samples) != crc {
            self.fail(|| format!("message {sequence}: checksum mismatch"));
        } else if sequence != expected {
            self.fail(|| format!("message {sequence} where {expected} was due"));
        }
        self.expected = sequence + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(software_crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn checker_accepts_stamped_messages_and_catches_a_flipped_byte() {
        for size in [64, 6_220_800] {
            let (mut payload, mut checker) = (Payload::new(size, 2), Checker::new(size));
            for sequence in 0..3 {
                payload.stamp(sequence);
                checker.check(payload.get(sequence));
            }
            assert_eq!(checker.errors, 0, "{}", checker.first_error);
            let mut bad = payload.get(2).to_vec();
            bad[HEADER] ^= 1;
            checker.check(&bad);
            assert_eq!(checker.errors, 1);
        }
    }
}
