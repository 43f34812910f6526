//! The cross-language test message (tests/cross/README.md): its length
//! schedule, encoding and the consumer's checks, plus argument parsing
//! shared by the `cross-producer` and `cross-consumer` programs.

use std::collections::HashMap;
use std::io::Write;

pub const HEADER: u64 = 20;

/// Scheduled length of message (writer, seq).
pub fn length(writer: u32, seq: u64, slot_bytes: u64) -> u64 {
    let mut k = seq
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::from(writer).wrapping_mul(0xC2B2_AE3D_27D4_EB4F));
    k ^= k >> 29;
    let (r, x) = (k % 16, k >> 8);
    match r {
        0 => 0,
        1 => slot_bytes,
        2 => 1 + x % 19,
        _ => HEADER + x % (slot_bytes - 19),
    }
}

fn short_byte(length: u64, i: u64) -> u8 {
    (length.wrapping_mul(17).wrapping_add(i)) as u8
}

fn payload_byte(writer: u32, seq: u64, i: u64) -> u8 {
    i.wrapping_mul(7).wrapping_add(seq.wrapping_mul(13)).wrapping_add(u64::from(writer).wrapping_mul(101)) as u8
}

fn checksum(m: &[u8]) -> u32 {
    m[..16].iter().chain(&m[HEADER as usize..]).fold(0x811C_9DC5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Writes message (writer, seq) into `out` (exactly its length).
pub fn encode(out: &mut [u8], writer: u32, seq: u64) {
    let len = out.len() as u64;
    if len < HEADER {
        for (i, b) in out.iter_mut().enumerate() {
            *b = short_byte(len, i as u64);
        }
        return;
    }
    out[0..4].copy_from_slice(&writer.to_le_bytes());
    out[4..8].copy_from_slice(&(len as u32).to_le_bytes());
    out[8..16].copy_from_slice(&seq.to_le_bytes());
    for i in HEADER..len {
        out[i as usize] = payload_byte(writer, seq, i);
    }
    let sum = checksum(out);
    out[16..20].copy_from_slice(&sum.to_le_bytes());
}

/// What a consumer has seen, and the per-message checks.
pub struct Checker {
    slot_bytes: u64,
    count: u64,
    writers: Vec<u32>,
    last_seq: HashMap<u32, u64>,
    full: HashMap<u32, u64>,
    shorts: [u64; HEADER as usize],
    pub messages: u64,
    report: Option<std::io::BufWriter<std::fs::File>>,
}

impl Checker {
    pub fn new(slot_bytes: u64, count: u64, writers: Vec<u32>, report: Option<std::fs::File>) -> Checker {
        Checker {
            slot_bytes,
            count,
            writers,
            last_seq: HashMap::new(),
            full: HashMap::new(),
            shorts: [0; HEADER as usize],
            messages: 0,
            report: report.map(std::io::BufWriter::new),
        }
    }

    /// Checks one message.
    pub fn check(&mut self, m: &[u8]) -> Result<(), String> {
        self.messages += 1;
        let len = m.len() as u64;
        if len > self.slot_bytes {
            return Err(format!("message of {len} bytes in slots of {}", self.slot_bytes));
        }
        if len < HEADER {
            if let Some(i) = (0..len).find(|&i| m[i as usize] != short_byte(len, i)) {
                return Err(format!("short message of {len} bytes: byte {i} is {}", m[i as usize]));
            }
            self.shorts[len as usize] += 1;
            return self.report_line(format_args!("short {len}"));
        }
        let w = u32::from_le_bytes(m[0..4].try_into().unwrap());
        let field = u32::from_le_bytes(m[4..8].try_into().unwrap());
        let s = u64::from_le_bytes(m[8..16].try_into().unwrap());
        if !self.writers.contains(&w) || s >= self.count || u64::from(field) != len || length(w, s, self.slot_bytes) != len {
            return Err(format!("bad header: writer {w} seq {s} length field {field}, {len} bytes received"));
        }
        if let Some(i) = (HEADER..len).find(|&i| m[i as usize] != payload_byte(w, s, i)) {
            return Err(format!("({w}, {s}): payload byte {i} is {}", m[i as usize]));
        }
        if u32::from_le_bytes(m[16..20].try_into().unwrap()) != checksum(m) {
            return Err(format!("({w}, {s}): bad checksum"));
        }
        if let Some(&last) = self.last_seq.get(&w) {
            if s <= last {
                return Err(format!("({w}, {s}) after ({w}, {last}): out of order or repeated"));
            }
        }
        self.last_seq.insert(w, s);
        *self.full.entry(w).or_default() += 1;
        self.report_line(format_args!("{w} {s}"))
    }

    fn report_line(&mut self, line: std::fmt::Arguments) -> Result<(), String> {
        match &mut self.report {
            Some(report) => writeln!(report, "{line}").map_err(|e| format!("report: {e}")),
            None => Ok(()),
        }
    }

    /// A broadcast consumer's end check: the whole schedule was received.
    pub fn check_complete(&self) -> Result<(), String> {
        let mut shorts = [0u64; HEADER as usize];
        for &w in &self.writers {
            let mut full = 0;
            for s in 0..self.count {
                match length(w, s, self.slot_bytes) {
                    len if len < HEADER => shorts[len as usize] += 1,
                    _ => full += 1,
                }
            }
            let got = self.full.get(&w).copied().unwrap_or(0);
            if got != full {
                return Err(format!("writer {w}: {got} full messages received, {full} written"));
            }
        }
        match (0..HEADER as usize).find(|&l| shorts[l] != self.shorts[l]) {
            Some(l) => Err(format!("{} short messages of {l} bytes received, {} written", self.shorts[l], shorts[l])),
            None => Ok(()),
        }
    }

    /// Flushes the report.
    pub fn finish(&mut self) -> Result<(), String> {
        match &mut self.report {
            Some(report) => report.flush().map_err(|e| format!("report: {e}")),
            None => Ok(()),
        }
    }
}

/// `--flag value` options after the ring name; bare `--flag`s map to "".
pub struct Args {
    pub name: String,
    options: HashMap<String, Vec<String>>,
}

impl Args {
    /// Parses `NAME (--flag [value...])*`, each flag taking `arity[flag]` values.
    pub fn parse(arity: &[(&str, usize)], usage: &str) -> Args {
        let mut argv = std::env::args().skip(1);
        let name = argv.next().unwrap_or_else(|| fail(2, usage));
        let mut options = HashMap::new();
        while let Some(flag) = argv.next() {
            let n = arity.iter().find(|(f, _)| *f == flag).map(|&(_, n)| n).unwrap_or_else(|| fail(2, usage));
            let values: Vec<String> = (0..n).map(|_| argv.next().unwrap_or_else(|| fail(2, usage))).collect();
            options.insert(flag, values);
        }
        Args { name, options }
    }

    pub fn has(&self, flag: &str) -> bool {
        self.options.contains_key(flag)
    }

    /// The `i`th value of `flag`, or `default`.
    pub fn number(&self, flag: &str, i: usize, default: u64) -> u64 {
        self.options.get(flag).map_or(default, |v| v[i].parse().unwrap_or_else(|_| fail(2, &format!("{flag}: not a number"))))
    }

    pub fn text(&self, flag: &str) -> Option<&str> {
        self.options.get(flag).map(|v| v[0].as_str())
    }
}

/// Prints `message` to stderr and exits with `code`.
pub fn fail(code: i32, message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(code)
}
