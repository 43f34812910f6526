"""Issue #6's targets, each measured from the rows of one run (so the doc's
verdicts come from the data, not from prose)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from ._results import Row, ok

#: rows → (the measured value as text, met?), or None if not measured.
Measure = Callable[[List[Row]], Optional[Tuple[str, bool]]]


@dataclass(frozen=True)
class Target:
    what: str
    need: str
    measure: Measure


def _find(rows: List[Row], workload: str, transport: str) -> Optional[Row]:
    found = [r for r in rows if r["workload"] == workload and r["transport"] == transport]
    return found[0] if found and ok(found[0]) else None


def _rate_ratio(workload: str, ours: str, theirs: str, at_least: float) -> Measure:
    def measure(rows: List[Row]) -> Optional[Tuple[str, bool]]:
        a, b = _find(rows, workload, ours), _find(rows, workload, theirs)
        if not a or not b or not b["msg_per_s"]:
            return None
        ratio = a["msg_per_s"] / b["msg_per_s"]
        return f"{ratio:.2f}×", ratio >= at_least
    return measure


def _spread(workloads: List[str], transport: str, within: float) -> Measure:
    def measure(rows: List[Row]) -> Optional[Tuple[str, bool]]:
        found = [_find(rows, w, transport) for w in workloads]
        if not all(found):
            return None
        rates = [r["msg_per_s"] for r in found if r]
        low = min(rates) / max(rates)
        return (f"slowest {low:.2f}× the fastest ({', '.join(f'{x:,.0f}' for x in rates)}/s)",
                low >= 1 - within)
    return measure


def _rate_at_least(workload: str, transport: str, floor: float) -> Measure:
    def measure(rows: List[Row]) -> Optional[Tuple[str, bool]]:
        r = _find(rows, workload, transport)
        return (f"{r['msg_per_s']:,.0f}/s", r["msg_per_s"] >= floor) if r else None
    return measure


def _latency(ours: str, theirs: str, fraction: float) -> Measure:
    def measure(rows: List[Row]) -> Optional[Tuple[str, bool]]:
        a, b = _find(rows, "pingpong", ours), _find(rows, "pingpong", theirs)
        if not a or not b:
            return None
        share = a["p50_us"] / b["p50_us"]
        return f"{a['p50_us']:.1f} µs vs {b['p50_us']:.1f} µs: {share:.3f}", share <= fraction
    return measure


def _within_of(workload: str, transport: str, reference: str, factor: float) -> Measure:
    def measure(rows: List[Row]) -> Optional[Tuple[str, bool]]:
        a, b = _find(rows, workload, transport), _find(rows, workload, reference)
        if not a or not b or not a["msg_per_s"]:
            return None
        slower = b["msg_per_s"] / a["msg_per_s"]
        return (f"{transport} {a['msg_per_s']:,.0f}/s, {reference} {b['msg_per_s']:,.0f}/s: "
                f"{slower:.2f}× slower"), slower <= factor
    return measure


TARGETS = [
    Target("64 B 1→1, one per call: shmring vs pyzmq", "≥ 2.5×",
           _rate_ratio("64B", "shmring", "zmq", 2.5)),
    Target("64 B 1→1, one per call: shmring vs multiprocessing.Queue", "≥ 20×",
           _rate_ratio("64B", "shmring", "queue", 20)),
    Target("64 B 1→1, one per call: shmring vs faster-fifo", "≥ 20×",
           _rate_ratio("64B", "shmring", "faster-fifo", 20)),
    Target("64 B 1→1, batch API: shmring vs faster-fifo", "≥ 10×",
           _rate_ratio("64B-batch", "shmring", "faster-fifo", 10)),
    Target("1080p copy in, zero-copy read (shmring-zc) vs faster-fifo", "≥ 2×",
           _rate_ratio("1080p", "shmring-zc", "faster-fifo", 2)),
    Target("1080p copy in, zero-copy read (shmring-zc) vs shared_memory + index queue",
           "≥ 1.5×", _rate_ratio("1080p", "shmring-zc", "shm-index", 1.5)),
    Target("reserved slot, zero-copy read: frames/s 1 MB .. 24.9 MB (shmring-zc)",
           "within 20%", _spread(["1MB-reserve", "1080p-reserve", "2160p-reserve"],
                                 "shmring-zc", 0.2)),
    Target("1080p, neither side touches the payload (shmring-zc)", "≥ 100,000 frames/s",
           _rate_at_least("1080p-untouched", "shmring-zc", 100_000)),
    Target("1 MB 1→4 broadcast, aggregate: shmring-zc vs shared_memory + index emulation",
           "≥ 2×", _rate_ratio("1MB-1to4", "shmring-zc", "shm-index", 2)),
    Target("64 B 2→1: shmring vs pyzmq", "≥ 2×", _rate_ratio("64B-2to1", "shmring", "zmq", 2)),
    Target("ping-pong p50: shmring vs Pipe", "≤ 1/5", _latency("shmring", "pipe", 0.2)),
    Target("C API 64 B 1→1", "≥ 20,000,000 msg/s", _rate_at_least("64B", "c", 20e6)),
    Target("Rust 64 B 1→1 vs C", "within 1.5×", _within_of("64B", "rust", "c", 1.5)),
    Target("Go 64 B 1→1 vs C", "within 1.5×", _within_of("64B", "go", "c", 1.5)),
]


def table(rows: List[Row]) -> str:
    lines = ["| target | needed | measured | met? |", "|---|---|---|---|"]
    for t in TARGETS:
        result = t.measure(rows)
        measured, verdict = (result[0], "met" if result[1] else "**missed**") if result \
            else ("not measured in this run", "–")
        lines.append(f"| {t.what} | {t.need} | {measured} | {verdict} |")
    return "\n".join(lines) + "\n"
