"""--native-bin DIR: the C, Rust and Go benchmark programs and the machine's
limits (built by bench/build.sh DIR), run in the same invocation as the
Python cells, so that the cost of each binding over C and each result as a
fraction of the machine's limit can be read off one run.

Each program prints one JSON row per cell, the schema of _results.FIELDS
(bench/README.md). Their rows join the Python cells' rows, so --json, the
chart and the targets see them; this module renders the section of the
report (each binding's cost over C, the limits) and the comparisons to the
limits that the doc shows beside the targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import List, Optional, Tuple

from ._results import Row, failed, ok, row
from ._workloads import WORKLOADS

PROGRAMS = {"c": "shmring-bench-c", "rust": "shmring-bench-rust", "go": "shmring-bench-go"}
LIMITS = "shmring-bench-limits"
#: The workloads the native programs run (names as in _workloads.WORKLOADS).
NATIVE_WORKLOADS = ["64B", "64B-batch", "1080p"]
#: Python transports shown next to the native rows.
PYTHON_TRANSPORTS = ["shmring", "shmring-zc"]
#: The limits program's cells: (workload, transport, size).
Cell = Tuple[str, str, int]
LIMIT_CELLS: List[Cell] = [
    ("memcpy-64B", "limit-memcpy", 64), ("memcpy-1MB", "limit-memcpy", 1 << 20),
    ("memcpy-1080p", "limit-memcpy", 6_220_800), ("memcpy-2160p", "limit-memcpy", 24_883_200),
    ("pingpong", "limit-cacheline", 64), ("pingpong", "limit-futex", 64)]
#: Seconds a program may take beyond its cells' durations.
GRACE = 120.0
NOT_GIVEN = "skipped: --native-bin not given"
HEADING = "### Native APIs (C, Rust, Go) and the machine's limits"


def is_native(r: Row) -> bool:
    return r["transport"] in PROGRAMS or str(r["transport"]).startswith("limit-")


def _run(path: str, args: List[str], seconds: float, expected: List[Cell]) -> List[Row]:
    """The program's rows, plus a FAILED row for each expected cell it did
    not report, or one if it failed without saying so (a missing program, a
    crash, garbage)."""
    try:
        done = subprocess.run([path, "--duration", f"{seconds:g}", *args], capture_output=True,
                              text=True, timeout=max(len(expected), 1) * (seconds + GRACE))
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        problem = f"not reported (exit {done.returncode} {done.stderr.strip()[-200:]})"
        exited_ok = done.returncode == 0
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        rows, problem, exited_ok = [], f"{os.path.basename(path)}: {e}", False
    reported = {(r.get("workload"), r.get("transport")) for r in rows}
    rows += [row(w, t, size, status=f"FAILED: {problem}") for w, t, size in expected
             if (w, t) not in reported]
    if not exited_ok and not any(failed(r) for r in rows):
        rows.append(row(os.path.basename(path), expected[0][1], 0, status=f"FAILED: {problem}"))
    return rows


def _better(first: List[Row], second: List[Row]) -> List[Row]:
    """Per limit, the better of two measurements (higher rate; lower p50
    for ping-pong): a run slowed by other work is not the machine's limit."""
    def score(r: Row) -> float:
        if not ok(r):
            return float("-inf")
        return -float(r["p50_us"]) if r["p50_us"] is not None else float(r["msg_per_s"])
    later = {(r["workload"], r["transport"]): r for r in second}
    best = [max(r, later.pop((r["workload"], r["transport"]), r), key=score) for r in first]
    return best + list(later.values())


def native_rows(bindir: Optional[str], seconds: float, workloads: List[str]) -> List[Row]:
    """Runs the programs in bindir on the chosen workloads, the limits
    before and after them; without bindir, every cell's row says skipped."""
    sizes = {w.name: w.size for w in WORKLOADS}
    chosen = [w for w in NATIVE_WORKLOADS if w in workloads]
    if bindir is None:
        return [row(w, t, size, status=NOT_GIVEN)
                for w, t, size in [(w, t, sizes[w]) for t in PROGRAMS for w in chosen]
                + LIMIT_CELLS]
    limits = os.path.join(bindir, LIMITS)
    before = _run(limits, [], seconds, LIMIT_CELLS)
    rows: List[Row] = []
    for transport, program in PROGRAMS.items():
        if chosen:
            rows += _run(os.path.join(bindir, program), ["--workloads", ",".join(chosen)],
                         seconds, [(w, transport, sizes[w]) for w in chosen])
            print(f"native {transport}: done", file=sys.stderr, flush=True)
    rows += _better(before, _run(limits, [], seconds, LIMIT_CELLS))
    print("native limits (before and after the programs): done", file=sys.stderr, flush=True)
    return rows


def _label(r: Row) -> str:
    program = PROGRAMS.get(r["transport"])
    return f"{r['transport']} ({program})" if program else f"python ({r['transport']})"


def _binding_table(workload: str, rows: List[Row]) -> List[str]:
    """rows: the workload's native and Python rows, in order."""
    c = next((r for r in rows if r["transport"] == "c" and ok(r)), None)
    lines = [f"**{workload}** (cost over C: C's msg/s ÷ this row's; 1.00× = as fast as C)", "",
             "| binding (program) | msg/s | MB/s | cost over C |", "|---|---|---|---|"]
    for r in rows:
        if not ok(r):
            lines.append(f"| {_label(r)} | {r['status']} | | |")
            continue
        cost = f"{c['msg_per_s'] / r['msg_per_s']:.2f}×" if c and r["msg_per_s"] else "–"
        lines.append(f"| {_label(r)} | {r['msg_per_s']:,.0f} | {r['mb_per_s']:,.1f} | {cost} |")
    return lines + [""]


def _shown(r: Row) -> str:
    if not ok(r):
        return str(r["status"])
    if r["p50_us"] is not None:
        return f"p50 {r['p50_us']:.3f} µs, p99 {r['p99_us']:.3f} µs"
    return f"{r['mb_per_s']:,.0f} MB/s"


def section(rows: List[Row]) -> str:
    """The report's native section from the run's rows: per native
    workload the bindings beside Python's rows, then the limits measured."""
    native = [r for r in rows if is_native(r)]
    if all(r["status"] == NOT_GIVEN for r in native):
        return f"{HEADING}\n\n{NOT_GIVEN}\n"
    lines = [HEADING, ""]
    for workload in NATIVE_WORKLOADS:
        mine = [r for r in rows if r["workload"] == workload and r["transport"] in PROGRAMS]
        mine += [r for r in rows if r["workload"] == workload
                 and r["transport"] in PYTHON_TRANSPORTS]
        if mine and mine[0]["transport"] in PROGRAMS:
            lines += _binding_table(workload, mine)
    lines += ["**The machine's limits** (shmring-bench-limits, run before and after the native "
              "programs: the better of the two)", "",
              "| limit | measured |", "|---|---|"]
    lines += [f"| {r['workload']} ({r['transport']}) | {_shown(r)} |"
              for r in native if r["transport"] not in PROGRAMS]
    return "\n".join(lines) + "\n"


def against_limits(rows: List[Row]) -> str:
    """Each result as a fraction of the machine's limit, from the rows:
    MB/s of a 1→1 cell over memcpy at its size (memcpy-<workload>, copied
    through memory: a ring that stays in the cache can beat it), and the
    futex and cache-line ping-pong p50 over a ping-pong p50 (1 = at the
    limit; a ping-pong above 1 beats a futex wake-up)."""
    ours = [*PROGRAMS, *PYTHON_TRANSPORTS]
    limits = {(r["workload"], r["transport"]): r for r in rows
              if str(r["transport"]).startswith("limit-") and ok(r)}
    lines = ["| result | limit | result ÷ limit (latency: limit ÷ result) |", "|---|---|---|"]
    for r in rows:
        if r["transport"] not in ours or not ok(r):
            continue
        if r["p50_us"] is None:
            memcpy = limits.get((f"memcpy-{r['workload']}", "limit-memcpy"))
            if memcpy and r["writers"] == 1 and r["readers"] == 1:
                lines.append(f"| {r['workload']} {r['transport']}: {r['mb_per_s']:,.0f} MB/s "
                             f"| memcpy: {memcpy['mb_per_s']:,.0f} MB/s "
                             f"| {r['mb_per_s'] / memcpy['mb_per_s']:.3g} |")
            continue
        for transport in ("limit-futex", "limit-cacheline"):
            limit = limits.get((r["workload"], transport))
            if limit and r["p50_us"]:
                lines.append(f"| {r['workload']} {r['transport']}: p50 {r['p50_us']:.3f} µs "
                             f"| {transport}: p50 {limit['p50_us']:.3f} µs "
                             f"| {limit['p50_us'] / r['p50_us']:.3g} |")
    if len(lines) == 2:
        return "No limits measured in this run (`--native-bin` not given).\n"
    return "\n".join(lines) + "\n"
