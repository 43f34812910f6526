"""The report: one markdown table per workload, a row per transport, with
each row's ratio to the baseline transport (>1: better than the baseline)."""

from __future__ import annotations

import os
import platform
from typing import Dict, List, Optional

from ._cells import Cell, Workload


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
            f"Python {platform.python_version()}")


def _ratio(cell: Cell, base: Optional[Cell], latency: bool) -> str:
    if base is None or base.problem or cell.problem:
        return "–"
    if latency:
        return f"{base.p50_us / cell.p50_us:.2f}×" if cell.p50_us else "–"
    return f"{cell.rate / base.rate:.2f}×" if base.rate else "–"


def table(workload: Workload, cells: Dict[str, Optional[Cell]], baseline: str) -> str:
    """cells: transport → its cell, or None if the transport is not installed."""
    base = cells.get(baseline)
    latency = workload.kind == "pingpong"
    if latency:
        head = ["transport", "p50 µs", "p99 µs", "round trips verified",
                f"p50 vs {baseline}"]
    else:
        head = ["transport", "msg/s", "MB/s", "messages verified", f"vs {baseline}"]
    rows: List[List[str]] = []
    for name, cell in cells.items():
        if cell is None:
            rows.append([name, "skipped (not installed)", "", "", ""])
        elif cell.problem:
            rows.append([name, cell.problem, "", "", ""])
        elif latency:
            rows.append([name, f"{cell.p50_us:.1f}", f"{cell.p99_us:.1f}",
                         f"{cell.messages:,}", _ratio(cell, base, True)])
        else:
            rows.append([name, f"{cell.rate:,.0f}", f"{cell.rate * workload.size / 1e6:,.1f}",
                         f"{cell.messages:,}", _ratio(cell, base, False)])
    lines = [f"### {workload.name}: {workload.about}", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def report(tables: List[str], seconds: float, argv: List[str]) -> str:
    command = " ".join(["python -m shmring.bench", *argv])
    return (f"`{command}` ({seconds:g} s per cell) on {machine()}\n\n"
            + "\n".join(tables))
