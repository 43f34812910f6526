"""python -m shmring.bench: run the cells, print the tables. Exit status 1
if any cell failed (a process died or a message failed verification)."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Dict, List, Optional

from ._cells import WORKLOADS, Cell, run
from ._native import native_section
from ._table import report, table
from ._transports import NAMES, lookup

SMOKE_SECONDS = 0.2


def _names(known: List[str], what: str) -> Callable[[str], List[str]]:
    def parse(text: str) -> List[str]:
        names = [n for n in text.split(",") if n]
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(unknown) or '(none)'}; choose from {', '.join(known)}")
        return names
    return parse


def parse(argv: Optional[List[str]]) -> argparse.Namespace:
    workloads = [w.name for w in WORKLOADS]
    p = argparse.ArgumentParser(
        prog="python -m shmring.bench",
        description="shmring against Python's IPC peers: each workload on each "
                    "transport, writer and reader in separate processes, every "
                    "message verified.")
    p.add_argument("--duration", type=float, default=2.0, help="seconds per cell (default 2)")
    p.add_argument("--smoke", action="store_true",
                   help=f"{SMOKE_SECONDS} s per cell: checks correctness, not speed")
    p.add_argument("--only", type=_names(NAMES, "transport"), default=NAMES,
                   help=f"transports, comma-separated (default: all: {','.join(NAMES)})")
    p.add_argument("--workloads", type=_names(workloads, "workload"), default=workloads,
                   help=f"comma-separated (default: all: {','.join(workloads)})")
    p.add_argument("--baseline", default="queue", choices=NAMES,
                   help="the transport ratios are taken to (default: queue)")
    p.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    p.add_argument("--native-bin", metavar="DIR",
                   help="also run the C, Rust and Go programs and the limits in DIR "
                        "(built by bench/build.sh DIR)")
    flags = p.parse_args(argv)
    if flags.duration <= 0:
        p.error("--duration must be positive")
    if flags.smoke:
        flags.duration = SMOKE_SECONDS
    return flags


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    flags = parse(args)
    tables, failed = [], False
    measured: Dict[str, Dict[str, Optional[Cell]]] = {}
    for workload in [w for w in WORKLOADS if w.name in flags.workloads]:
        cells: Dict[str, Optional[Cell]] = {}
        for name in flags.only:
            cls = lookup(name)
            cells[name] = run(cls, workload, flags.duration) if cls else None
            cell = cells[name]
            failed |= bool(cell and cell.problem.startswith("FAILED"))
            status = cell.problem or "ok" if cell else "skipped (not installed)"
            print(f"{workload.name} {name}: {status}", file=sys.stderr, flush=True)
        tables.append(table(workload, cells, flags.baseline))
        measured[workload.name] = cells
    native = native_section(flags.native_bin, flags.duration, measured, flags.workloads)
    tables.append(native.markdown)
    failed |= native.failed
    text = report(tables, flags.duration, args)
    print(text, end="", flush=True)
    if flags.markdown:
        with open(flags.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
