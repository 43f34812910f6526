"""python -m shmring_bench --native-bin DIR: runs the native programs in DIR
with the bench's duration and adds their rows to the run's rows (--json),
shown beside the Python rows with the cost over C; the chart, the targets
and the fractions of the machine's limits are computed from those rows. Fake programs (shell
scripts printing canned JSON rows) stand in for bench/build.sh's binaries;
bench/c, bench/rust and bench/go test the real ones."""

import json
import os
import subprocess
import sys

from shmring_bench import _native, _targets, chart
from shmring_bench._results import load

ROW = {"writers": 1, "readers": 1, "p50_us": None, "p99_us": None, "status": "ok",
       "injected": 0}


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
    unchanged = [{"workload": "memcpy-1MB", "transport": "limit-memcpy", "size": 1 << 20,
                  "msg_per_s": 9000.0},
                 {"workload": "memcpy-2160p", "transport": "limit-memcpy", "size": 24_883_200,
                  "msg_per_s": 500.0},
                 {"workload": "pingpong", "transport": "limit-cacheline", "size": 64,
                  "msg_per_s": 1e6, "p50_us": 0.2, "p99_us": 0.3}]
    fake(bindir, "shmring-bench-limits", unchanged + [
        {"workload": "memcpy-64B", "transport": "limit-memcpy", "size": 64, "msg_per_s": 1e8},
        {"workload": "memcpy-1080p", "transport": "limit-memcpy", "size": 6_220_800,
         "msg_per_s": 3000.0},
        {"workload": "pingpong", "transport": "limit-futex", "size": 64, "msg_per_s": 1e5,
         "p50_us": 30.0, "p99_us": 40.0}], later_rows=unchanged + [
        {"workload": "memcpy-1080p", "transport": "limit-memcpy", "size": 6_220_800,
         "msg_per_s": 1000.0},
        {"workload": "pingpong", "transport": "limit-futex", "size": 64, "msg_per_s": 1e5,
         "p50_us": 10.0, "p99_us": 20.0}])


def bench(tmp_path, *args):
    """The run and its --json rows."""
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "shmring_bench", "--smoke", "--only",
                          "shmring", "--json", str(results), *args], capture_output=True,
                         text=True, timeout=120, env=os.environ)
    return run, load(str(results))


def test_without_native_bin_the_section_and_the_rows_say_skipped(tmp_path):
    run, rows = bench(tmp_path, "--workloads", "64B")
    assert run.returncode == 0, run.stderr
    assert f"{_native.HEADING}\n\nskipped: --native-bin not given" in run.stdout
    skipped = {(r["workload"], r["transport"]) for r in rows
               if r["status"] == "skipped: --native-bin not given"}
    assert skipped == {("64B", "c"), ("64B", "rust"), ("64B", "go"),
                       *((w, t) for w, t, _ in _native.LIMIT_CELLS)}
    assert "not measured in this run" in _targets.table(rows)
    assert _native.against_limits(rows).startswith("No limits measured")


def test_native_rows_join_the_run_with_cost_over_c_limits_chart_and_targets(tmp_path):
    native_rows(tmp_path)
    run, rows = bench(tmp_path, "--workloads", "64B,pingpong", "--native-bin", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "shmring-bench-c.args").read_text().split() == [
        "--duration", "0.2", "--workloads", "64B"]
    out = run.stdout
    assert "| c (shmring-bench-c) | 20,000,000 | 1,280.0 | 1.00× |" in out
    assert "| rust (shmring-bench-rust) | 10,000,000 | 640.0 | 2.00× |" in out
    assert "| go (shmring-bench-go) | 5,000,000 | 320.0 | 4.00× |" in out
    assert "| python (shmring) | " in out
    # Each limit is the better of its two runs (the later memcpy was slower,
    # the later futex ping-pong faster).
    assert "| memcpy-1080p (limit-memcpy) | 18,662 MB/s |" in out
    assert "| pingpong (limit-futex) | p50 10.000 µs, p99 20.000 µs |" in out

    assert {r["transport"] for r in rows if r["workload"] == "64B"} == {
        "shmring", "c", "rust", "go"}
    limits = _native.against_limits(rows)
    assert "| 64B c: 1,280 MB/s | memcpy: 6,400 MB/s | 0.2 |" in limits
    assert "| pingpong shmring: p50 " in limits and "| limit-futex: p50 10.000 µs |" in limits
    targets = _targets.table(rows)
    assert "| C API 64 B 1→1 | ≥ 20,000,000 msg/s | 20,000,000/s | met |" in targets
    assert ("| Rust 64 B 1→1 vs C | within 1.5× | "
            "rust 10,000,000/s, c 20,000,000/s: 2.00× slower | **missed** |") in targets
    assert ("| Go 64 B 1→1 vs C | within 1.5× | "
            "go 5,000,000/s, c 20,000,000/s: 4.00× slower | **missed** |") in targets
    lines = chart.series(rows)
    assert lines["c"] == [(64, 1280.0)] and lines["go"] == [(64, 320.0)]
    assert [size for size, _ in lines[chart.MEMCPY]] == [64, 1 << 20, 6_220_800, 24_883_200]


def test_a_failed_native_cell_fails_the_run(tmp_path):
    native_rows(tmp_path, go_status="FAILED: 1 bad messages; first: message 5: checksum "
                "mismatch", go_exit=1)
    run, rows = bench(tmp_path, "--workloads", "64B", "--native-bin", str(tmp_path))
    assert run.returncode == 1
    assert "| go (shmring-bench-go) | FAILED: 1 bad messages; first: message 5" in run.stdout
    assert [r["status"][:7] for r in rows if r["transport"] == "go"] == ["FAILED:"]


def test_a_missing_program_fails_the_run_with_a_row_per_cell(tmp_path):
    run, rows = bench(tmp_path, "--workloads", "64B", "--native-bin", str(tmp_path))
    assert run.returncode == 1
    assert "| c (shmring-bench-c) | FAILED: shmring-bench-c: " in run.stdout
    assert "| pingpong (limit-futex) | FAILED: shmring-bench-limits: " in run.stdout
    failed = {(r["workload"], r["transport"]) for r in rows if r["status"].startswith("FAILED")}
    assert failed == {("64B", "c"), ("64B", "rust"), ("64B", "go"),
                      *((w, t) for w, t, _ in _native.LIMIT_CELLS)}
