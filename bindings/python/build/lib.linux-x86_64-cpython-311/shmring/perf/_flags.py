"""The command line: the seed's flags, same names and meaning, and ours."""

from __future__ import annotations

import argparse
import multiprocessing
from typing import List, Optional

from ._payload import HEADER


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m shmring.perf",
        description="Throughput of a shmring ring: writer and reader processes "
                    "(the seed's perf_test_ringbuffer.py, with more).")
    # ---- the seed's flags ----
    p.add_argument("--debug", action="store_true", help="log progress of every process")
    p.add_argument("--duration-seconds", type=float, required=True,
                   help="how long the writers write")
    p.add_argument("--slots", type=int, required=True,
                   help="slots in the ring (rounded up to a power of two)")
    p.add_argument("--slot-bytes", type=int, required=True, help="bytes per message")
    p.add_argument("--readers", type=int, required=True,
                   help="reader processes (broadcast, or split into --groups)")
    p.add_argument("--reader-burn-cpu-milliseconds", type=int, default=0,
                   help="CPU time each reader burns per message")
    p.add_argument("--writes-per-second", type=int, required=True,
                   help="target rate of each writer")
    p.add_argument("--verify_writes", dest="verify_writes", action="store_true",
                   help="each message carries a sequence number and a CRC32 "
                        "that readers check (the default)")
    p.add_argument("--no-verify_writes", dest="verify_writes", action="store_false")
    p.set_defaults(verify_writes=True)
    # ---- added ----
    p.add_argument("--writers", type=int, default=1, help="writer processes")
    p.add_argument("--groups", type=int, default=0,
                   help="split the --readers into this many groups (each message "
                        "to one member of each group); 0: broadcast readers")
    p.add_argument("--lossy-readers", type=int, default=0,
                   help="extra lossy readers (never hold writers back)")
    p.add_argument("--zero-copy", action="store_true",
                   help="writers fill reserved slots, readers read views of them")
    p.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(),
                   default=None, help="multiprocessing start method (default: Python's)")
    return p


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = parser()
    flags = p.parse_args(argv)
    checks = [
        (flags.duration_seconds > 0, "--duration-seconds must be positive"),
        (flags.slots >= 1, "--slots must be at least 1"),
        (flags.slot_bytes >= 1, "--slot-bytes must be at least 1"),
        (flags.readers >= 0 and flags.lossy_readers >= 0, "reader counts must be >= 0"),
        (flags.writers >= 1, "--writers must be at least 1"),
        (flags.writes_per_second >= 1, "--writes-per-second must be at least 1"),
        (flags.reader_burn_cpu_milliseconds >= 0,
         "--reader-burn-cpu-milliseconds must be >= 0"),
        (0 <= flags.groups <= max(flags.readers, 0),
         "--groups must be 0 .. --readers (each group needs a member)"),
    ]
    for ok, message in checks:
        if not ok:
            p.error(message)
    if flags.verify_writes and flags.slot_bytes < HEADER.size:
        p.error(f"--slot-bytes must be at least {HEADER.size} with --verify_writes "
                "(sequence number and CRC32)")
    return flags


def slot_count(slots: int) -> int:
    """shmring rings have a power-of-two number of slots (at least 2)."""
    count = 2
    while count < slots:
        count *= 2
    return count
