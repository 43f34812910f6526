"""The seed README's five perf scenarios, each a `python -m shmring.perf`
run (its flags verbatim, the duration shortened to the cell's), tabulated
from the per-process reports it prints in the seed's format."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any, Dict, List, Tuple

from ._results import Row, ok, row

#: (what the seed README says it shows, its flags).
SCENARIOS: List[Tuple[str, str]] = [
    ("good behavior", "--slot-bytes=1000000 --slots=50 --writes-per-second=24 --readers=5"),
    ("too many readers", "--slot-bytes=1000000 --slots=10 --writes-per-second=24 --readers=100"),
    ("writer falls behind: locking",
     "--slot-bytes=1000000 --slots=10 --writes-per-second=2000 --readers=1"),
    ("writer falls behind: memory", "--slot-bytes=100000000 --slots=3 "
     "--writes-per-second=24 --readers=1 --no-verify_writes"),
    ("readers can't keep up", "--slot-bytes=1000000 --slots=10 --writes-per-second=24 "
     "--readers=4 --reader-burn-cpu-milliseconds=100"),
]

_REPORT = re.compile(r"^(?P<label>(Writer|Reader)[^\n]*)\n(?P<slots>\d+) slots in [\d.]+ seconds\n"
                     r"[\d.]+ MBytes per second\n(?P<rate>[\d.]+) slots/second, "
                     r"(?P<percent>-?[\d.]+)% relative to target$", re.MULTILINE)
TIMEOUT = 180.0


def run(seconds: float, start_method: str) -> List[Row]:
    return [_scenario(i, about, flags, seconds, start_method)
            for i, (about, flags) in enumerate(SCENARIOS, 1)]


def _flag(flags: str, name: str) -> int:
    found = re.search(rf"--{name}=(\d+)", flags)
    assert found, f"no --{name} in {flags}"  # SCENARIOS all have it
    return int(found[1])


def _scenario(number: int, about: str, flags: str, seconds: float, start_method: str) -> Row:
    readers = _flag(flags, "readers")
    shape: Dict[str, Any] = dict(workload="seed-perf", transport="shmring", size=_flag(flags, "slot-bytes"),
                 readers=readers, scenario=f"{number}: {about}", flags=flags,
                 target_per_s=float(_flag(flags, "writes-per-second")))
    command = [sys.executable, "-m", "shmring.perf", *flags.split(),
               f"--duration-seconds={seconds:g}", f"--start-method={start_method}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return row(**shape, status=f"FAILED: no end after {TIMEOUT:g} s")
    found = {m["label"]: m for m in _REPORT.finditer(done.stdout)}
    if done.returncode != 0 or "Writer" not in found or len(found) != readers + 1:
        tail = (done.stderr.strip().splitlines() or ["no report"])[-1]
        return row(**shape, status=f"FAILED: exit {done.returncode}: {tail}")
    writer = found.pop("Writer")
    return row(**shape, msg_per_s=float(writer["rate"]), messages=int(writer["slots"]),
               reader_min_per_s=min(float(m["rate"]) for m in found.values()))


def table(rows: List[Row]) -> str:
    head = ["scenario (seed README)", "flags", "writer slots/s", "vs target", "MB/s",
            "slowest reader slots/s"]
    lines = ["### seed-perf: the seed README's perf scenarios (`python -m shmring.perf`)", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if ok(r):
            vs = 100 * (r["msg_per_s"] - r["target_per_s"]) / r["target_per_s"]
            cells = [f"{r['msg_per_s']:,.1f}", f"{vs:+.1f}%", f"{r['mb_per_s']:,.1f}",
                     f"{r['reader_min_per_s']:,.1f}"]
        else:
            cells = [r["status"], "", "", ""]
        lines.append("| " + " | ".join([r["scenario"], f"`{r['flags']}`", *cells]) + " |")
    return "\n".join(lines) + "\n"
