"""python -m shmring.perf: run writers and readers in separate processes
over one ring, print each process's report (the seed's format), a live
progress line on stderr, and a summary table. Exit status 1 if a process
failed or a message failed verification."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import sys
import threading
import time
from typing import Any, Dict, List, Optional

from .._ring import Ring
from ._flags import parse, slot_count
from ._report import Progress, Result, process_report, summary_table
from ._roles import START_TIMEOUT, Role, configure_logging, plan, run

#: Seconds between progress updates.
TICK = 0.5


def main(argv: Optional[List[str]] = None) -> int:
    flags = parse(argv)
    print(f"Starting performance test with flags: {flags!r}")
    configure_logging(flags.debug)
    count = slot_count(flags.slots)
    if count != flags.slots:
        print(f"The ring has {count} slots (shmring needs a power of two, at least 2)")
    sys.stdout.flush()  # before fork: children must not print it again
    roles = plan(flags)
    readers = len(roles) - flags.writers
    ring = Ring.create(f"/shmring-perf-{os.getpid()}-{time.time_ns()}",
                       slot_bytes=flags.slot_bytes, slot_count=count,
                       max_writers=max(64, flags.writers), max_readers=max(128, readers),
                       max_groups=max(32, flags.groups))
    try:
        return _run(ring, flags, roles)
    finally:
        ring.close()
        ring.unlink()


def _run(ring: Ring, flags: argparse.Namespace, roles: List[Role]) -> int:
    ctx = multiprocessing.get_context(flags.start_method)
    start = ctx.Barrier(len(roles) + 1)
    results = ctx.Queue()
    processes = [ctx.Process(target=run, name=role.label,
                             args=(role, ring, flags, start, results))
                 for role in roles]
    for process in processes:
        process.start()
    collected: Dict[str, Result] = {}
    try:
        start.wait(START_TIMEOUT)
    except threading.BrokenBarrierError:
        print("a process failed to start; stopping", file=sys.stderr)
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
        return 1
    began = time.monotonic()
    progress = Progress(ring.stats())
    while True:
        _collect(results, collected, TICK, progress)
        progress.update(time.monotonic() - began, ring.stats())
        if not any(p.is_alive() for p in processes):
            break
    progress.end()
    for process in processes:
        process.join()
    while len(collected) < len(roles) and _collect(results, collected, 1.0, progress):
        pass
    return _summarize(ring, roles, processes, collected)


def _collect(results: Any, collected: Dict[str, Result], timeout: float,
             progress: Progress) -> bool:
    """Take the results that arrive within `timeout` seconds and print each
    one's report (the seed's) as it comes; False if none came."""
    deadline = time.monotonic() + timeout
    got = False
    while True:
        try:
            result = results.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return got
        collected[result.label] = result
        progress.clear()
        print(process_report(result), flush=True)
        got = True


def _summarize(ring: Ring, roles: List[Role], processes: List[Any],
               collected: Dict[str, Result]) -> int:
    final = ring.stats()
    print("Summary")
    print(summary_table([collected[r.label] for r in roles if r.label in collected]))
    print(f"ring: {final.next_sequence} messages, {final.writers_joined} writers joined, "
          f"{final.slots_abandoned} slots abandoned, {final.writers_reaped} writers and "
          f"{final.readers_reaped} readers reaped")
    failed = [p.name for p in processes if p.exitcode != 0]
    failed += [r.label for r in roles if r.label not in collected and r.label not in failed]
    errors = sum(r.errors for r in collected.values())
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    if errors:
        print(f"FAILED: {errors} messages failed verification", file=sys.stderr)
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
