"""What each process of a cell does: writers, readers, and the two ends of
a ping-pong. Each waits at the cell's barrier, does its part and puts one
report on the results queue."""

from __future__ import annotations

import statistics
import time
from array import array
from dataclasses import dataclass
from typing import Any, List, Optional

from ._payload import Checker, Payload
from ._transports import Channel
from ._workloads import BATCH, Workload

#: Seconds a process waits at the barrier for the others.
START_TIMEOUT = 60.0
#: Messages of this size or more: the clock is read after each one (else
#: after every 16th, to keep it off a small message's cost).
CLOCK_EACH_ABOVE = 1 << 16


@dataclass(frozen=True)
class Written:
    index: int
    messages: int
    injected: int  # faults the test hook planted (Payload.injected)


@dataclass(frozen=True)
class Read:
    index: int
    messages: int
    seconds: float
    errors: int
    first_error: str
    counts: List[int]                  # messages per writer
    seen: Optional[List["array[int]"]]  # a group member's sequences per writer


@dataclass(frozen=True)
class Pinged:
    round_trips: int
    seconds: float
    p50_us: float
    p99_us: float
    errors: int
    first_error: str
    injected: int


def write(channel: Channel, workload: Workload, index: int, seconds: float, start: Any,
          results: Any) -> None:
    payload = Payload(workload.size, index)
    channel.open_writer(index)
    start.wait(START_TIMEOUT)
    n, clock, mask = 0, time.monotonic, 0 if workload.size >= CLOCK_EACH_ABOVE else 15
    # At least `minimum` messages whatever the clock says (the test hook's).
    end, minimum = clock() + seconds, payload.minimum
    if workload.kind == "batch":
        put_batch, message = channel.put_batch, payload.message
        while n < minimum or clock() < end:
            put_batch([bytes(message(i)) for i in range(n, n + BATCH)])
            n += BATCH
    elif workload.fills_slots:
        put_in_place = channel.put_in_place
        stamp = payload.stamp_in_place if workload.kind == "in-place" else payload.stamp_header
        while n & mask or n < minimum or clock() < end:
            put_in_place(stamp, n)
            n += 1
    else:
        put, message = channel.put, payload.message
        while n & mask or n < minimum or clock() < end:
            put(message(n))
            n += 1
    channel.end()
    results.put(Written(index, n, payload.injected))


def read(channel: Channel, workload: Workload, index: int, start: Any, results: Any) -> None:
    checker = Checker(workload.size, workload.writers, header_only=workload.kind == "untouched",
                      partial=workload.group)
    channel.open_reader(index)
    start.wait(START_TIMEOUT)
    began = time.monotonic()
    n = (channel.drain_batch if workload.kind == "batch" else channel.drain)(checker.check)
    seconds = time.monotonic() - began - channel.idle_tail
    results.put(Read(index, n, seconds, checker.errors, checker.first_error, checker.counts,
                     checker.seen if workload.group else None))


def ping(out: Channel, back: Channel, workload: Workload, seconds: float, start: Any,
         results: Any) -> None:
    payload, checker = Payload(workload.size), Checker(workload.size)
    out.open_writer(0)
    back.open_reader(0)
    start.wait(START_TIMEOUT)
    latencies: List[int] = []
    clock, put, take, check = time.perf_counter_ns, out.put, back.take, checker.check
    began = time.monotonic()
    end = began + seconds
    while len(latencies) < payload.minimum or time.monotonic() < end:
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
    results.put(Pinged(len(half), elapsed, p50, p99, checker.errors, checker.first_error,
                       payload.injected))


def echo(out: Channel, back: Channel, start: Any) -> None:
    out.open_reader(0)
    back.open_writer(0)
    start.wait(START_TIMEOUT)
    out.drain(back.put)
    back.end()
