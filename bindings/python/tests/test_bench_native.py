"""python -m shmring.bench --native-bin DIR: runs the native programs in DIR
with the bench's duration and puts their rows beside the Python rows, with
ratios to C and fractions of the machine's limits. Fake programs (shell
scripts printing canned JSON rows) stand in for bench/build.sh's binaries;
bench/c, bench/rust and bench/go test the real ones."""

import json
import os
import subprocess
import sys

ROW = {"writers": 1, "readers": 1, "p50_us": None, "p99_us": None, "status": "ok"}


def jsonl(rows):
    return "\n".join(json.dumps({**ROW, **row, "mb_per_s": row.get("msg_per_s", 0) *
                                 row["size"] / 1e6}) for row in rows)


def fake(bindir, program, rows, exit_status=0, later_rows=None):
    """A program that records its arguments and prints rows (later_rows
    from its second run on)."""
    path = bindir / program
    path.write_text(f"#!/bin/sh\necho \"$@\" > {path}.args\n"
                    f"if [ -e {path}.ran ]; then cat <<'EOF'\n{jsonl(later_rows or rows)}\nEOF\n"
                    f"else touch {path}.ran; cat <<'EOF'\n{jsonl(rows)}\nEOF\nfi\n"
                    f"exit {exit_status}\n")
    path.chmod(0o755)


def native_rows(bindir, go_status="ok", go_exit=0):
    for transport, rate in (("c", 20e6), ("rust", 10e6)):
        fake(bindir, f"shmring-bench-{transport}",
             [{"workload": "64B", "transport": transport, "size": 64, "msg_per_s": rate}])
    fake(bindir, "shmring-bench-go", [{"workload": "64B", "transport": "go", "size": 64,
                                       "msg_per_s": 5e6, "status": go_status}], go_exit)
    # Run before and after the programs; each limit is the better of the two.
    fake(bindir, "shmring-bench-limits", [
        {"workload": "memcpy-1080p", "transport": "limit-memcpy", "size": 6_220_800,
         "msg_per_s": 3000.0},
        {"workload": "pingpong", "transport": "limit-futex", "size": 64, "msg_per_s": 1e5,
         "p50_us": 30.0, "p99_us": 40.0}], later_rows=[
        {"workload": "memcpy-1080p", "transport": "limit-memcpy", "size": 6_220_800,
         "msg_per_s": 1000.0},
        {"workload": "pingpong", "transport": "limit-futex", "size": 64, "msg_per_s": 1e5,
         "p50_us": 10.0, "p99_us": 20.0}])


def bench(*args):
    return subprocess.run([sys.executable, "-m", "shmring.bench", "--smoke", "--only",
                           "shmring", *args], capture_output=True, text=True, timeout=120,
                          env=os.environ)


def test_without_native_bin_the_section_says_skipped():
    run = bench("--workloads", "64B")
    assert run.returncode == 0, run.stderr
    assert "## Native APIs (C, Rust, Go) and the machine's limits\n\nskipped: " \
           "--native-bin not given" in run.stdout


def test_native_rows_beside_python_with_cost_over_c_and_limits(tmp_path):
    native_rows(tmp_path)
    run = bench("--workloads", "64B,pingpong", "--native-bin", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "shmring-bench-c.args").read_text().split() == [
        "--duration", "0.2", "--workloads", "64B"]
    out = run.stdout
    assert "| c (shmring-bench-c) | 20,000,000 | 1,280.0 | 1.00× |" in out
    assert "| rust (shmring-bench-rust) | 10,000,000 | 640.0 | 2.00× |" in out
    assert "| go (shmring-bench-go) | 5,000,000 | 320.0 | 4.00× |" in out
    assert "| python (shmring) | " in out
    assert "| memcpy-1080p (limit-memcpy) | 18,662 MB/s | | |" in out
    assert "| pingpong (limit-futex) | p50 10.000 µs, p99 20.000 µs | | |" in out
    assert "| pingpong python shmring p50 (limit-futex p50) | " in out


def test_a_failed_native_cell_fails_the_run(tmp_path):
    native_rows(tmp_path, go_status="FAILED: 1 bad messages; first: message 5: checksum "
                "mismatch", go_exit=1)
    run = bench("--workloads", "64B", "--native-bin", str(tmp_path))
    assert run.returncode == 1
    assert "| go (shmring-bench-go) | FAILED: 1 bad messages; first: message 5" in run.stdout


def test_a_missing_program_fails_the_run(tmp_path):
    run = bench("--workloads", "64B", "--native-bin", str(tmp_path))
    assert run.returncode == 1
    assert "| c (shmring-bench-c) | FAILED: shmring-bench-c: " in run.stdout
    assert "| shmring-bench-limits (limit-memcpy) | FAILED: " in run.stdout
