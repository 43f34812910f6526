//! The program, short: every row ok with a positive rate and no fault
//! injected; with one corrupted message (the SHMRING_BENCH_CORRUPT hook)
//! every row says it injected the fault, then FAILED, and exit 1. The writer
//! writes past the corrupted message whatever --duration says, so nothing
//! depends on the machine's speed; no timing is asserted.

use std::process::Command;

fn run(corrupt: Option<&str>) -> (bool, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shmring-bench-rust"));
    command.args(["--duration", "0.2"]);
    if let Some(sequence) = corrupt {
        command.env("SHMRING_BENCH_CORRUPT", sequence);
    }
    let out = command.output().expect("runs");
    let rows = String::from_utf8(out.stdout).expect("utf-8").lines().map(String::from).collect();
    (out.status.success(), rows)
}

/// The value of `"key": ...` in a JSON row, up to the next ',' or '}'.
fn field<'a>(row: &'a str, key: &str) -> &'a str {
    let start = row.find(&format!("\"{key}\": ")).unwrap_or_else(|| panic!("no {key} in {row}")) + key.len() + 4;
    let rest = &row[start..];
    &rest[..rest.find([',', '}']).unwrap_or(rest.len())]
}

#[test]
fn every_workload_is_ok_with_a_positive_rate() {
    let (success, rows) = run(None);
    assert!(success, "exit status: {rows:?}");
    let workloads: Vec<&str> = rows.iter().map(|r| field(r, "workload")).collect();
    assert_eq!(workloads, ["\"64B\"", "\"64B-batch\"", "\"1080p\""]);
    for row in &rows {
        assert_eq!(field(row, "transport"), "\"rust\"");
        assert_eq!(field(row, "status"), "\"ok\"", "{row}");
        let rate: f64 = field(row, "msg_per_s").parse().expect("a number");
        assert!(rate > 0.0, "{row}");
        assert_eq!(field(row, "injected"), "0", "{row}");
    }
}

#[test]
fn a_corrupted_message_fails_every_workload() {
    let (success, rows) = run(Some("5"));
    assert!(!success, "a corrupted message was not detected: {rows:?}");
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let injected: u64 = field(row, "injected").parse().expect("a number");
        assert!(injected >= 1, "no fault injected, so nothing to catch: {row}");
        assert!(field(row, "status").starts_with("\"FAILED: 1 bad messages; first: message 5: checksum"), "{row}");
    }
}
