"""One result row per cell, the schema every bench program writes (the
Python cells here, the native programs' rows appended to the same list) and
the chart and the targets read back from --json."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

Row = Dict[str, Any]

#: Every row has these keys (the schema bench-native's rows share).
FIELDS = ("workload", "transport", "size", "writers", "readers", "msg_per_s",
          "mb_per_s", "p50_us", "p99_us", "status", "injected")


def row(workload: str, transport: str, size: int, writers: int = 1, readers: int = 1,
        msg_per_s: float = 0.0, p50_us: Optional[float] = None,
        p99_us: Optional[float] = None, status: str = "ok", injected: int = 0,
        **extra: Any) -> Row:
    """status: "ok", "skipped: <why>" or "FAILED: <what>". injected: faults
    the SHMRING_BENCH_CORRUPT hook planted. extra: optional keys the schema
    allows beside FIELDS ("messages": verified; "note": e.g. "emulated: one
    channel per reader")."""
    return {"workload": workload, "transport": transport, "size": size,
            "writers": writers, "readers": readers, "msg_per_s": msg_per_s,
            "mb_per_s": msg_per_s * size / 1e6, "p50_us": p50_us, "p99_us": p99_us,
            "status": status, "injected": injected, **extra}


def ok(r: Row) -> bool:
    return bool(r["status"] == "ok")


def failed(r: Row) -> bool:
    return bool(r["status"].startswith("FAILED"))


def save(rows: List[Row], path: str, machine: str, command: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"machine": machine, "command": command, "results": rows}, f, indent=1)
        f.write("\n")


def load(path: str) -> List[Row]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return list(data["results"] if isinstance(data, dict) else data)
