"""One cell: a workload on a transport, writer and reader in two forked
processes that start together (a barrier) and send their counts back."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, List, Tuple, Type

from ._payload import Checker, Payload
from ._transports import BATCH, Channel, ctx

#: Seconds a process may take beyond the cell's duration before it is killed.
GRACE = 60.0


@dataclass(frozen=True)
class Workload:
    name: str
    size: int       # bytes per message
    slots: int      # ring slots, queue bound, shared-memory slots
    kind: str       # "stream", "batch" or "pingpong"
    about: str


WORKLOADS = [
    Workload("64B", 64, 1024, "stream", "64 B messages 1→1, one per call"),
    Workload("64B-batch", 64, 1024, "batch",
             f"64 B messages 1→1, batch API ({BATCH} per call)"),
    Workload("1080p", 6_220_800, 8, "stream", "6,220,800 B frames (1080p RGB) 1→1"),
    Workload("pingpong", 64, 64, "pingpong",
             "64 B ping-pong, one-way latency (half the round trip)"),
]


@dataclass
class Cell:
    """What a cell measured; `problem` is set when it failed."""

    messages: int = 0          # verified by the reader (round trips: ping-pong)
    seconds: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    problem: str = ""

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def _write(channel: Channel, workload: Workload, seconds: float, start: Any,
           results: Any) -> None:
    payload = Payload(workload.size)
    channel.open_writer()
    start.wait(GRACE)
    message, n = payload.message, 0
    end = time.monotonic() + seconds
    if workload.kind == "batch":
        put_batch = channel.put_batch
        while time.monotonic() < end:
            put_batch([bytes(message(i)) for i in range(n, n + BATCH)])
            n += BATCH
    else:
        put = channel.put
        while n & 15 or time.monotonic() < end:
            put(message(n))
            n += 1
    channel.end()
    results.put(("written", n))


def _read(channel: Channel, workload: Workload, start: Any, results: Any) -> None:
    checker = Checker(workload.size)
    channel.open_reader()
    start.wait(GRACE)
    began = time.monotonic()
    drain = channel.drain_batch if workload.kind == "batch" else channel.drain  # type: ignore
    n = drain(checker.check)
    results.put(("read", n, time.monotonic() - began, checker.errors, checker.first_error))


def _ping(out: Channel, back: Channel, workload: Workload, seconds: float, start: Any,
          results: Any) -> None:
    payload, checker = Payload(workload.size), Checker(workload.size)
    out.open_writer()
    back.open_reader()
    start.wait(GRACE)
    latencies: List[int] = []
    clock, put, take, check = time.perf_counter_ns, out.put, back.take, checker.check
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        began = clock()
        put(payload.message(len(latencies)))
        if not take(check):
            break
        latencies.append(clock() - began)
    out.end()
    half = [t / 2000 for t in latencies]  # one way, µs
    p50 = statistics.median(half) if half else 0.0
    p99 = sorted(half)[int(0.99 * (len(half) - 1))] if half else 0.0
    results.put(("ping", len(half), p50, p99, checker.errors, checker.first_error))


def _echo(out: Channel, back: Channel, start: Any) -> None:
    out.open_reader()
    back.open_writer()
    start.wait(GRACE)
    out.drain(back.put)
    back.end()


def run(cls: Type[Channel], workload: Workload, seconds: float) -> Cell:
    """One cell, in two processes; the channels are made and destroyed here."""
    if workload.kind == "batch" and not cls.batch:
        return Cell(problem="n/a")
    channels = [cls(workload.size, workload.slots)]
    start, results = ctx.Barrier(2), ctx.SimpleQueue()
    if workload.kind == "pingpong":
        channels.append(cls(workload.size, workload.slots))
        targets: List[Callable[..., None]] = [_ping, _echo]
        args: List[Tuple[Any, ...]] = [(*channels, workload, seconds, start, results),
                             (*channels, start)]
    else:
        targets = [_write, _read]
        args = [(channels[0], workload, seconds, start, results),
                (channels[0], workload, start, results)]
    processes = [ctx.Process(target=t, args=a) for t, a in zip(targets, args)]
    try:
        for p in processes:
            p.start()
        for p in processes:
            p.join(seconds + GRACE)
        return _collect(processes, results, workload)
    finally:
        for p in processes:
            if p.is_alive():
                p.kill()
                p.join()
        for channel in channels:
            channel.destroy()


def _collect(processes: List[Any], results: Any, workload: Workload) -> Cell:
    failed = [f"{p.name} exit {p.exitcode}" for p in processes if p.exitcode != 0]
    if failed:
        return Cell(problem="FAILED: " + ", ".join(failed))
    got = {}
    while not results.empty():
        report = results.get()
        got[report[0]] = report[1:]
    if workload.kind == "pingpong":
        n, p50, p99, errors, first = got["ping"]
        cell = Cell(messages=n, p50_us=p50, p99_us=p99)
    else:
        (written,), (n, seconds, errors, first) = got["written"], got["read"]
        cell = Cell(messages=n, seconds=seconds)
        if n != written and not errors:
            errors, first = 1, f"{written} written, {n} read"
    if errors:
        cell.problem = f"FAILED: {errors} bad messages; first: {first}"
    elif cell.messages == 0:
        cell.problem = "FAILED: no message"
    return cell
