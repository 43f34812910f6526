"""One cell: a workload on a transport, its writers and readers in separate
processes that start together (a barrier), each sending one report back;
the parent checks the reports against each other and makes the cell's row."""

from __future__ import annotations

import os
import queue
import time
from multiprocessing.context import BaseContext
from typing import Any, Callable, Dict, List, Tuple, Type, Union

from ._fanout import FanOut
from ._payload import partition_problem
from ._results import Row, row
from ._roles import Pinged, Read, Written, echo, ping, read, write
from ._transports import TRY_UNSOUND_ENV, Channel, Spec
from ._workloads import Workload

#: Seconds a process may take beyond the cell's duration before it is killed.
GRACE = 60.0

Report = Union[Written, Read, Pinged]
#: A process of a cell: its name, function and arguments.
Role = Tuple[str, Callable[..., None], Tuple[Any, ...]]


def _cant(cls: Type[Channel], workload: Workload, ctx: BaseContext) -> str:
    """Why this transport cannot run this workload ("" if it can)."""
    if cls.unsound and not os.environ.get(TRY_UNSOUND_ENV):
        return "skipped: " + cls.unsound
    if workload.kind == "batch" and not cls.batch:
        return "skipped: no batch API"
    if workload.fills_slots and not cls.in_place:
        return "skipped: no slot to fill in place"
    if workload.group and cls.no_group:
        return "skipped: " + cls.no_group
    if cls.fork_only and ctx.get_start_method() != "fork":
        return "skipped: " + cls.fork_only
    return ""


def run(name: str, cls: Type[Channel], workload: Workload, seconds: float,
        ctx: BaseContext) -> Row:
    """One cell; its channels are made and destroyed here."""
    emulated = workload.broadcast and not cls.broadcast
    shape: Dict[str, Any] = dict(
        workload=workload.name, transport=name, size=workload.size, writers=workload.writers,
        readers=workload.readers,
        **({"note": "emulated: one channel per reader"} if emulated else {}))
    why = _cant(cls, workload, ctx)
    if why:
        return row(**shape, status=why)
    spec = Spec(workload.size, workload.slots, workload.writers, workload.readers,
                workload.group)

    def make() -> Channel:
        return FanOut(cls, spec, ctx) if emulated else cls(spec, ctx)

    channels = [make()]
    try:
        if workload.kind == "pingpong":
            channels.append(make())
        start, results = ctx.Barrier(workload.writers + workload.readers), ctx.Queue()
        roles: List[Role]
        if workload.kind == "pingpong":
            roles = [("pinger", ping, (*channels, workload, seconds, start, results)),
                     ("echo", echo, (*channels, start))]
        else:
            roles = [(f"writer {i}", write, (channels[0], workload, i, seconds, start, results))
                     for i in range(workload.writers)]
            roles += [(f"reader {i}", read, (channels[0], workload, i, start, results))
                      for i in range(workload.readers)]
        return row(**shape, **_run(ctx, roles, start, results, workload, seconds))
    finally:
        for channel in channels:
            channel.destroy()


def _run(ctx: BaseContext, roles: List[Role], start: Any, results: Any, workload: Workload,
         seconds: float) -> Dict[str, Any]:
    """Start the processes, take their reports, judge; none outlives this."""
    # typeshed's BaseContext lacks Process; every concrete context has it.
    processes = [ctx.Process(name=n, target=t, args=a)  # type: ignore[attr-defined]
                 for n, t, a in roles]
    try:
        for p in processes:
            p.start()
        reporting = len(processes) - (workload.kind == "pingpong")  # the echo does not report
        reports = _gather(processes, results, start, reporting,
                          time.monotonic() + seconds + GRACE)
        for p in processes:
            p.join(0 if start.broken else GRACE)
        # Every row says how many faults the test hook planted, failed or not.
        injected = sum(r.injected for r in reports if isinstance(r, (Written, Pinged)))
        return {**_outcome(processes, reports, reporting, workload, seconds),
                "injected": injected}
    finally:
        for p in processes:
            if p.is_alive():
                p.kill()
                p.join()


def _outcome(processes: List[Any], reports: List[Report], reporting: int, workload: Workload,
             seconds: float) -> Dict[str, Any]:
    """The row's status and numbers once every process has ended or been
    given up on."""
    dead = [f"{p.name} exit {p.exitcode}" for p in processes if p.exitcode]
    if dead:
        return {"status": "FAILED: " + ", ".join(dead)}
    stuck = [p.name for p in processes if p.is_alive()]
    if stuck:
        return {"status": f"FAILED: {', '.join(stuck)} still running after "
                          f"{seconds + GRACE:g} s (killed)"}
    if len(reports) < reporting:
        return {"status": f"FAILED: {len(reports)} of {reporting} reports came"}
    return _judge(workload, reports)


def _gather(processes: List[Any], results: Any, start: Any, expected: int,
            deadline: float) -> List[Report]:
    """Every report, taken while the processes run (a large one would block
    its sender's exit); stops when all are in, all processes ended, at the
    deadline, or when one failed (then the barrier is broken, so that no
    other waits at it for the failed one)."""
    reports: List[Report] = []
    while len(reports) < expected and time.monotonic() < deadline:
        try:
            reports.append(results.get(timeout=0.2))
        except queue.Empty:
            if any(p.exitcode for p in processes):
                start.abort()
                break
            if not any(p.is_alive() for p in processes) and results.empty():
                break
    return reports


def _judge(workload: Workload, reports: List[Report]) -> Dict[str, Any]:
    """The row's numbers and status from the reports of processes that all
    ended well."""
    if workload.kind == "pingpong":
        p = next(r for r in reports if isinstance(r, Pinged))
        return _status(p.errors, p.first_error, p.round_trips,
                       msg_per_s=p.round_trips / p.seconds if p.seconds else 0.0,
                       p50_us=p.p50_us, p99_us=p.p99_us, messages=p.round_trips)
    written = [w.messages for w in sorted((r for r in reports if isinstance(r, Written)),
                                          key=lambda w: w.index)]
    reads = sorted((r for r in reports if isinstance(r, Read)), key=lambda r: r.index)
    errors = sum(r.errors for r in reads)
    first = next((r.first_error for r in reads if r.first_error), "")
    n = sum(r.messages for r in reads)
    slowest = max(r.seconds for r in reads)
    if not errors:
        first = _completeness(workload, written, reads)
        errors = 1 if first else 0
    return _status(errors, first, n, msg_per_s=n / slowest if slowest > 0 else 0.0, messages=n)


def _completeness(workload: Workload, written: List[int], reads: List[Read]) -> str:
    """Every reader got each writer's every message (broadcast, 2→1), or
    the group's members together got each exactly once ("" if so)."""
    if workload.group:
        for w, count in enumerate(written):
            problem = partition_problem([r.seen[w] for r in reads if r.seen], count)
            if problem:
                return f"writer {w}: {problem}"
        return ""
    for r in reads:
        if r.counts != written:
            return f"reader {r.index} read {r.counts} of writers' {written}"
    return ""


def _status(errors: int, first: str, n: int, **numbers: Any) -> Dict[str, Any]:
    if errors:
        return {"status": f"FAILED: {errors} bad messages; first: {first}"}
    if n == 0:
        return {"status": "FAILED: no message"}
    return numbers
