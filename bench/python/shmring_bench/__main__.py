"""python -m shmring_bench: run the cells, print the tables, write the rows
(--json) and the tables (--markdown). Exit status 1 if any cell failed (a
process died or a message failed verification)."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from typing import Callable, List, Optional

from . import _native, _seed_perf
from ._cells import run
from ._registry import NAMES, lookup
from ._results import Row, failed, row, save
from ._table import machine, report, table
from ._workloads import NAMES as WORKLOAD_NAMES
from ._workloads import SEED_PERF, WORKLOADS, Workload

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
    p = argparse.ArgumentParser(
        prog="python -m shmring_bench",
        description="shmring against Python's IPC peers: each workload on each "
                    "transport, writers and readers in separate processes, every "
                    "message verified.")
    p.add_argument("--duration", type=float, default=2.0, help="seconds per cell (default 2)")
    p.add_argument("--smoke", action="store_true",
                   help=f"{SMOKE_SECONDS} s per cell: checks correctness, not speed")
    p.add_argument("--only", type=_names(NAMES, "transport"), default=NAMES,
                   help=f"transports, comma-separated (default: all: {','.join(NAMES)})")
    p.add_argument("--workloads", type=_names(WORKLOAD_NAMES, "workload"),
                   default=WORKLOAD_NAMES,
                   help=f"comma-separated (default: all: {','.join(WORKLOAD_NAMES)})")
    p.add_argument("--baseline", default="queue", choices=NAMES,
                   help="the transport ratios are taken to (default: queue)")
    p.add_argument("--start-method", default="fork", choices=["fork", "spawn", "forkserver"],
                   help="how the cells' processes start (default: fork)")
    p.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    p.add_argument("--json", metavar="FILE",
                   help="write every cell's row to FILE (the chart and the targets read it)")
    p.add_argument("--native-bin", metavar="DIR",
                   help="also run the C, Rust and Go programs and the limits in DIR "
                        "(built by bench/build.sh DIR)")
    flags = p.parse_args(argv)
    if flags.duration <= 0:
        p.error("--duration must be positive")
    if flags.smoke:
        flags.duration = SMOKE_SECONDS
    return flags


def _cell(name: str, workload: Workload, flags: argparse.Namespace) -> Row:
    found = lookup(name)
    if isinstance(found, str):  # an optional peer that is not installed
        return row(workload.name, name, workload.size, workload.writers, workload.readers,
                   status=found)
    return run(name, found, workload, flags.duration,
               multiprocessing.get_context(flags.start_method))


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    flags = parse(args)
    rows: List[Row] = []
    tables: List[str] = []
    for workload in [w for w in WORKLOADS if w.name in flags.workloads]:
        mine = []
        for name in flags.only:
            mine.append(_cell(name, workload, flags))
            print(f"{workload.name} {name}: {mine[-1]['status']}", file=sys.stderr, flush=True)
        rows += mine
        tables.append(table(f"{workload.name}: {workload.about}", mine, flags.baseline))
    if SEED_PERF in flags.workloads:
        mine = _seed_perf.run(flags.duration, flags.start_method)
        for r in mine:
            print(f"{SEED_PERF} {r['scenario']}: {r['status']}", file=sys.stderr, flush=True)
        rows += mine
        tables.append(_seed_perf.table(mine))
    rows += _native.native_rows(flags.native_bin, flags.duration, flags.workloads)
    tables.append(_native.section(rows))
    command = " ".join(["python -m shmring_bench", *args])
    text = report(tables, flags.duration, command)
    print(text, end="", flush=True)
    if flags.markdown:
        with open(flags.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    if flags.json:
        save(rows, flags.json, machine(), command)
    return 1 if any(failed(r) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
