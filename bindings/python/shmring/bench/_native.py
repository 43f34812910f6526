"""--native-bin DIR: the C, Rust and Go benchmark programs and the machine's
limits (built by bench/build.sh DIR), run in the same invocation as the
Python cells, so that the cost of each binding over C and each result as a
fraction of the machine's limit can be read off one run.

Each program prints one JSON line per cell (bench/README.md: the schema of
the --json results); this module runs them with the bench's duration,
collects the rows and renders two tables. Table cells' first column always
holds a space or a parenthesis, so the per-workload table parser of the
tests (a `[\\w-]+` name) never mistakes these rows for transports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._cells import WORKLOADS, Cell

PROGRAMS = {"c": "shmring-bench-c", "rust": "shmring-bench-rust", "go": "shmring-bench-go"}
LIMITS = "shmring-bench-limits"
#: The workloads the native programs run (names as in _cells.WORKLOADS).
NATIVE_WORKLOADS = ["64B", "64B-batch", "1080p"]
#: Python transports shown next to the native rows.
PYTHON_TRANSPORTS = ["shmring", "shmring-zc"]
#: Seconds a program may take beyond its cells' durations.
GRACE = 120.0

Row = Dict[str, Any]
Measured = Dict[str, Dict[str, Optional[Cell]]]  # workload → transport → cell


@dataclass
class Native:
    rows: List[Row] = field(default_factory=list)  # every program's JSON rows
    markdown: str = ""
    failed: bool = False


def _failed_row(workload: str, transport: str, problem: str) -> Row:
    return {"workload": workload, "transport": transport, "size": 0, "writers": 1,
            "readers": 1, "msg_per_s": 0.0, "mb_per_s": 0.0, "p50_us": None,
            "p99_us": None, "status": f"FAILED: {problem}"}


def _run(path: str, args: List[str], seconds: float, expected: List[str],
         transport: str) -> List[Row]:
    """The program's rows, plus a FAILED row for each expected workload it
    did not report, or one if it failed without saying so (a missing
    program, a crash, garbage)."""
    try:
        done = subprocess.run([path, "--duration", f"{seconds:g}", *args], capture_output=True,
                              text=True, timeout=max(len(expected), 1) * (seconds + GRACE))
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        problem = f"exit {done.returncode} {done.stderr.strip()[-200:]}".strip()
        ok = done.returncode == 0
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        rows, problem, ok = [], f"{os.path.basename(path)}: {e}", False
    reported = {row.get("workload") for row in rows}
    rows += [_failed_row(w, transport, problem) for w in expected if w not in reported]
    if not ok and not any(str(r.get("status")).startswith("FAILED") for r in rows):
        rows.append(_failed_row(os.path.basename(path), transport, problem))
    return rows


def _rate(row: Optional[Row]) -> float:
    return float(row["msg_per_s"]) if row and row.get("status") == "ok" else 0.0


def _status_or(row: Row, text: str) -> str:
    return text if row.get("status") == "ok" else str(row.get("status"))


def _binding_table(workload: str, native: Dict[str, Row], python: Dict[str, Optional[Cell]],
                   size: int) -> List[str]:
    lines = [f"**{workload}** (cost over C: C's msg/s ÷ this row's; 1.00× = as fast as C)", "",
             "| binding (program) | msg/s | MB/s | cost over C |", "|---|---|---|---|"]
    c_rate = _rate(native.get("c"))

    def line(label: str, rate: float, status: str) -> str:
        if status != "ok":
            return f"| {label} | {status} | | |"
        cost = f"{c_rate / rate:.2f}×" if rate and c_rate else "–"
        return f"| {label} | {rate:,.0f} | {rate * size / 1e6:,.1f} | {cost} |"

    for transport, program in PROGRAMS.items():
        row = native.get(transport) or _failed_row(workload, transport, "no row")
        lines.append(line(f"{transport} ({program})", _rate(row), str(row["status"])))
    for name in PYTHON_TRANSPORTS:
        cell = python.get(name)
        if cell is not None:
            lines.append(line(f"python ({name})", cell.rate, cell.problem or "ok"))
    return lines + [""]


def _limits_table(rows: List[Row], measured: Measured) -> List[str]:
    limits = {(r["transport"], r["workload"]): r for r in rows  # in the program's order
              if str(r.get("transport", "")).startswith("limit-")}
    lines = ["**The machine's limits** (measured by shmring-bench-limits before and after "
             "the native programs, the better of the two; "
             "fraction = result ÷ limit for rates, limit ÷ result for latencies: "
             "1.00 = at the limit)", "",
             "| result (limit) | result | limit | fraction of the limit |", "|---|---|---|---|"]
    for (transport, workload), row in limits.items():
        shown = (f"p50 {row['p50_us']:.3f} µs, p99 {row['p99_us']:.3f} µs"
                 if row.get("p50_us") is not None else f"{row['mb_per_s']:,.0f} MB/s")
        lines.append(f"| {workload} ({transport}) | {_status_or(row, shown)} | | |")
    frame = limits.get(("limit-memcpy", "memcpy-1080p"))
    if frame and frame.get("status") == "ok":
        memcpy = float(frame["mb_per_s"])
        for r in rows:
            if r.get("workload") == "1080p" and r.get("status") == "ok":
                lines.append(f"| 1080p {r['transport']} (memcpy 1080p) | {r['mb_per_s']:,.0f} MB/s"
                             f" | {memcpy:,.0f} MB/s | {r['mb_per_s'] / memcpy:.2f} |")
        for name, cell in measured.get("1080p", {}).items():
            if cell is not None and not cell.problem and name in PYTHON_TRANSPORTS:
                mb = cell.rate * 6_220_800 / 1e6
                lines.append(f"| 1080p python {name} (memcpy 1080p) | {mb:,.0f} MB/s"
                             f" | {memcpy:,.0f} MB/s | {mb / memcpy:.2f} |")
    for name, cell in measured.get("pingpong", {}).items():
        if cell is None or cell.problem or name not in PYTHON_TRANSPORTS:
            continue
        for transport in ("limit-futex", "limit-cacheline"):
            limit = limits.get((transport, "pingpong"))
            if limit and limit.get("status") == "ok" and cell.p50_us:
                lines.append(f"| pingpong python {name} p50 ({transport} p50) | "
                             f"{cell.p50_us:.3f} µs | {limit['p50_us']:.3f} µs | "
                             f"{limit['p50_us'] / cell.p50_us:.2f} |")
    return lines + [""]


def _better(first: List[Row], second: List[Row]) -> List[Row]:
    """Per limit, the better of two measurements (higher rate; lower p50
    for ping-pong): a run slowed by other work is not the machine's limit."""
    def score(row: Row) -> float:
        if row.get("status") != "ok":
            return float("-inf")
        return -float(row["p50_us"]) if row.get("p50_us") is not None else float(row["msg_per_s"])
    later = {(r.get("transport"), r.get("workload")): r for r in second}
    best = [max(r, later.pop((r.get("transport"), r.get("workload")), r), key=score)
            for r in first]
    return best + list(later.values())


def native_section(bindir: Optional[str], seconds: float, measured: Measured,
                   workloads: List[str]) -> Native:
    """Runs the programs in bindir (None: --native-bin not given) on the
    chosen workloads; measured holds the Python cells of this run."""
    heading = "## Native APIs (C, Rust, Go) and the machine's limits\n\n"
    if bindir is None:
        return Native(markdown=heading + "skipped: --native-bin not given\n")
    chosen = [w for w in NATIVE_WORKLOADS if w in workloads]
    limits = os.path.join(bindir, LIMITS)
    before = _run(limits, [], seconds, [], "limit-memcpy")
    rows: List[Row] = []
    for transport, program in PROGRAMS.items():
        if chosen:
            rows += _run(os.path.join(bindir, program), ["--workloads", ",".join(chosen)],
                         seconds, chosen, transport)
            print(f"native {transport}: done", file=sys.stderr, flush=True)
    rows += _better(before, _run(limits, [], seconds, [], "limit-memcpy"))
    print("native limits (before and after the programs): done", file=sys.stderr, flush=True)

    lines = [heading.rstrip("\n"), ""]
    sizes = {w.name: w.size for w in WORKLOADS}
    for workload in chosen:
        native = {r["transport"]: r for r in rows if r.get("workload") == workload}
        lines += _binding_table(workload, native, measured.get(workload, {}), sizes.get(workload, 0))
    lines += _limits_table(rows, measured)
    failed = any(str(r.get("status", "")).startswith("FAILED") for r in rows)
    return Native(rows=rows, markdown="\n".join(lines), failed=failed)
