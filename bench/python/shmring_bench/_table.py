"""The report: one markdown table per workload, a row per transport, with
each row's ratio to the baseline transport (>1: better than the baseline)."""

from __future__ import annotations

import os
import platform
from typing import List, Optional

from ._results import Row, ok


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
            f"Python {platform.python_version()}")


def _ratio(r: Row, base: Optional[Row], latency: bool) -> str:
    if base is None or not ok(base) or not ok(r):
        return "–"
    if latency:
        return f"{base['p50_us'] / r['p50_us']:.2f}×" if r["p50_us"] else "–"
    return f"{r['msg_per_s'] / base['msg_per_s']:.2f}×" if base["msg_per_s"] else "–"


def _label(r: Row) -> str:
    emulated = r.get("note", "").startswith("emulated")
    return f"{r['transport']} (emulated)" if emulated else str(r["transport"])


def table(title: str, rows: List[Row], baseline: str) -> str:
    """rows: one workload's, in order."""
    base = next((r for r in rows if r["transport"] == baseline), None)
    latency = any(r["p50_us"] is not None for r in rows)
    if latency:
        head = ["transport", "p50 µs", "p99 µs", "round trips verified",
                f"p50 vs {baseline}"]
    else:
        head = ["transport", "msg/s", "MB/s", "messages verified", f"vs {baseline}"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if not ok(r):
            cells = [_label(r), r["status"], "", "", ""]
        elif r["p50_us"] is not None:
            cells = [_label(r), f"{r['p50_us']:.1f}", f"{r['p99_us']:.1f}",
                     f"{r.get('messages', 0):,}", _ratio(r, base, True)]
        else:
            cells = [_label(r), f"{r['msg_per_s']:,.0f}", f"{r['mb_per_s']:,.1f}",
                     f"{r.get('messages', 0):,}", _ratio(r, base, False)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def report(tables: List[str], seconds: float, command: str) -> str:
    return f"`{command}` ({seconds:g} s per cell) on {machine()}\n\n" + "\n".join(tables)
