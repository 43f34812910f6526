"""One cell: a workload on a transport, its writers and readers in separate
processes that start together (a barrier), each sending one report back;
the parent checks the reports against each other and makes the cell's row."""

from __future__ import annotations

import queue
import statistics
import time
from multiprocessing.context import BaseContext
from typing import Any, Callable, Dict, List, Tuple, Type

from ._fanout import FanOut
from ._payload import Checker, Payload, partition_problem
from ._results import Row, row
from ._transports import Channel, Spec
from ._workloads import BATCH, Workload

#: Seconds a process may take beyond the cell's duration before it is killed.
GRACE = 60.0
#: Messages of this size or more: the clock is read after each one (else
#: after every 16th, to keep it off a small message's cost).
CLOCK_EACH_ABOVE = 1 << 16


def _write(channel: Channel, workload: Workload, index: int, seconds: float, start: Any,
           results: Any) -> None:
    payload = Payload(workload.size, index)
    channel.open_writer(index)
    start.wait(GRACE)
    n, clock, mask = 0, time.monotonic, 0 if workload.size >= CLOCK_EACH_ABOVE else 15
    end = clock() + seconds
    if workload.kind == "batch":
        put_batch, message = channel.put_batch, payload.message
        while clock() < end:
            put_batch([bytes(message(i)) for i in range(n, n + BATCH)])
            n += BATCH
    elif workload.kind in ("in-place", "untouched"):
        put_in_place = channel.put_in_place
        stamp = payload.stamp_in_place if workload.kind == "in-place" else payload.stamp_header
        while n & mask or clock() < end:
            put_in_place(stamp, n)
            n += 1
    else:
        put, message = channel.put, payload.message
        while n & mask or clock() < end:
            put(message(n))
            n += 1
    channel.end()
    results.put(("written", index, n))


def _read(channel: Channel, workload: Workload, index: int, start: Any, results: Any) -> None:
    checker = Checker(workload.size, workload.writers, header_only=workload.kind == "untouched",
                      partial=workload.group)
    channel.open_reader(index)
    start.wait(GRACE)
    began = time.monotonic()
    n = (channel.drain_batch if workload.kind == "batch" else channel.drain)(checker.check)
    seconds = time.monotonic() - began - channel.idle_tail
    results.put(("read", index, n, seconds, checker.errors, checker.first_error,
                 checker.counts, checker.seen if workload.group else None))


def _ping(out: Channel, back: Channel, workload: Workload, seconds: float, start: Any,
          results: Any) -> None:
    payload, checker = Payload(workload.size), Checker(workload.size)
    out.open_writer(0)
    back.open_reader(0)
    start.wait(GRACE)
    latencies: List[int] = []
    clock, put, take, check = time.perf_counter_ns, out.put, back.take, checker.check
    began = time.monotonic()
    end = began + seconds
    while time.monotonic() < end:
        sent = clock()
        put(payload.message(len(latencies)))
        if not take(check):
            break
        latencies.append(clock() - sent)
    elapsed = time.monotonic() - began
    out.end()
    back.drain(check)  # to the echo's end of stream: nothing more may come
    half = sorted(t / 2000 for t in latencies)  # one way, µs
    p50 = statistics.median(half) if half else 0.0
    p99 = half[int(0.99 * (len(half) - 1))] if half else 0.0
    results.put(("ping", 0, len(half), elapsed, p50, p99, checker.errors, checker.first_error))


def _echo(out: Channel, back: Channel, start: Any) -> None:
    out.open_reader(0)
    back.open_writer(0)
    start.wait(GRACE)
    out.drain(back.put)
    back.end()


def _cant(cls: Type[Channel], workload: Workload, ctx: BaseContext) -> str:
    """Why this transport cannot run this workload ("" if it can)."""
    if cls.unsound:
        return "skipped: " + cls.unsound
    if workload.kind == "batch" and not cls.batch:
        return "skipped: no batch API"
    if workload.kind in ("in-place", "untouched") and not cls.in_place:
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
    shape: Dict[str, Any] = dict(workload=workload.name, transport=name, size=workload.size,
                 writers=workload.writers, readers=workload.readers,
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
            roles = [("pinger", _ping, (*channels, workload, seconds, start, results)),
                     ("echo", _echo, (*channels, start))]
        else:
            roles = [(f"writer {i}", _write, (channels[0], workload, i, seconds, start, results))
                     for i in range(workload.writers)]
            roles += [(f"reader {i}", _read, (channels[0], workload, i, start, results))
                      for i in range(workload.readers)]
        return row(**shape, **_run(ctx, roles, start, results, workload, seconds))
    finally:
        for channel in channels:
            channel.destroy()


#: A process of a cell: its name, function and arguments.
Role = Tuple[str, Callable[..., None], Tuple[Any, ...]]


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
        dead = [f"{p.name} exit {p.exitcode}" for p in processes if p.exitcode]
        if dead:
            return {"status": "FAILED: " + ", ".join(dead)}
        stuck = [p.name for p in processes if p.is_alive()]
        if stuck:
            return {"status": f"FAILED: {', '.join(stuck)} still running after "
                              f"{seconds + GRACE:g} s (killed)"}
        return _judge(workload, reports)
    finally:
        for p in processes:
            if p.is_alive():
                p.kill()
                p.join()


def _gather(processes: List[Any], results: Any, start: Any, expected: int,
            deadline: float) -> List[Tuple[Any, ...]]:
    """Every report, taken while the processes run (a large one would block
    its sender's exit); stops when all are in, all processes ended, at the
    deadline, or when one failed (then the barrier is broken, so that no
    other waits at it for the failed one)."""
    reports: List[Tuple[Any, ...]] = []
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


def _judge(workload: Workload, reports: List[Tuple[Any, ...]]) -> Dict[str, Any]:
    """The row's numbers and status from the reports of processes that all
    ended well."""
    by_kind: Dict[str, Dict[int, Tuple[Any, ...]]] = {}
    for report in reports:
        by_kind.setdefault(report[0], {})[report[1]] = report[2:]
    if workload.kind == "pingpong":
        n, elapsed, p50, p99, errors, first = by_kind["ping"][0]
        return _status(errors, first, n, msg_per_s=n / elapsed if elapsed else 0.0,
                       p50_us=p50, p99_us=p99, messages=n)
    written = [by_kind["written"][i][0] for i in range(workload.writers)]
    reads = [by_kind["read"][i] for i in range(workload.readers)]
    errors = sum(r[2] for r in reads)
    first = next((r[3] for r in reads if r[3]), "")
    n = sum(r[0] for r in reads)
    slowest = max(r[1] for r in reads)
    if not errors:
        first = _completeness(workload, written, reads)
        errors = 1 if first else 0
    return _status(errors, first, n, msg_per_s=n / slowest if slowest > 0 else 0.0, messages=n)


def _completeness(workload: Workload, written: List[int], reads: List[Any]) -> str:
    """Every reader got each writer's every message (broadcast, 2→1), or
    the group's members together got each exactly once ("" if so)."""
    if workload.group:
        for w, count in enumerate(written):
            problem = partition_problem([r[5][w] for r in reads], count)
            if problem:
                return f"writer {w}: {problem}"
        return ""
    for i, r in enumerate(reads):
        if r[4] != written:
            return f"reader {i} read {r[4]} of writers' {written}"
    return ""


def _status(errors: int, first: str, n: int, **numbers: Any) -> Dict[str, Any]:
    if errors:
        return {"status": f"FAILED: {errors} bad messages; first: {first}"}
    if n == 0:
        return {"status": "FAILED: no message"}
    return numbers
