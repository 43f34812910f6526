"""The processes of a run: writers that pace themselves to a target rate,
and readers (broadcast, group members, lossy) that read until the end of the
stream, checking each message when verification is on."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, List, Optional

from .._errors import Closed, Full, Lapped
from .._ring import Ring
from ._payload import Checker, Source
from ._report import Result

log = logging.getLogger("shmring.perf")

#: How long processes may take to start and join the ring.
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Role:
    label: str
    kind: str             # "writer", "broadcast", "member" or "lossy"
    index: int            # writers: the writer number in each message
    group: Optional[str]  # members
    target: float         # slots per second this process should move


def plan(flags: argparse.Namespace) -> List[Role]:
    """The processes the flags ask for, writers first."""
    roles = [Role("Writer" if flags.writers == 1 else f"Writer {i}", "writer", i, None,
                  flags.writes_per_second) for i in range(flags.writers)]
    total = float(flags.writes_per_second * flags.writers)
    for i in range(flags.readers):
        if flags.groups:
            group = i % flags.groups
            members = len(range(group, flags.readers, flags.groups))
            roles.append(Role(f"Reader {i} (group g{group})", "member", i, f"g{group}",
                              total / members))
        else:
            roles.append(Role(f"Reader {i}", "broadcast", i, None, total))
    roles += [Role(f"Lossy reader {i}", "lossy", i, None, total)
              for i in range(flags.lossy_readers)]
    return roles


def configure_logging(debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(asctime)s %(processName)s: %(message)s", force=True)


def run(role: Role, ring: Ring, flags: argparse.Namespace, start: Any,
        results: Any) -> None:
    """A process's whole life: join, wait for the others, work, send the
    result to the parent (which prints its report)."""
    configure_logging(flags.debug)
    try:
        result = (_write if role.kind == "writer" else _read)(role, ring, flags, start)
    except BaseException:
        start.abort()  # the others stop waiting for this one
        raise
    results.put(result)


def _write(role: Role, ring: Ring, flags: argparse.Namespace, start: Any) -> Result:
    source = Source(flags.slot_bytes, role.index, flags.verify_writes)
    writer = ring.writer()
    start.wait(START_TIMEOUT)
    interval = 1.0 / flags.writes_per_second
    began = next_at = time.monotonic()
    end = began + flags.duration_seconds
    writes = full = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if next_at > now:
            time.sleep(min(next_at, end) - now)
            continue
        next_at = max(next_at + interval, now)  # behind: no burst to catch up
        try:
            if flags.zero_copy:
                with writer.reserve(flags.slot_bytes, timeout=0) as slot:
                    source.fill(slot, writes)
            else:
                writer.try_write(source.message(writes))
        except Full:
            full += 1
            log.debug("write %d is waiting for readers", writes)
            continue
        writes += 1
        if writes % flags.writes_per_second == 0:
            log.debug("wrote %d slots so far", writes)
    waits = writer.stats().waits
    writer.close()
    return Result(role.label, writes, time.monotonic() - began, flags.slot_bytes,
                  role.target, waits=waits, full=full)


def _burn_cpu(milliseconds: int) -> None:
    end = time.perf_counter() + milliseconds / 1000
    while time.perf_counter() < end:
        pass


def _read(role: Role, ring: Ring, flags: argparse.Namespace, start: Any) -> Result:
    reader = ring.reader(group=role.group, lossy=role.kind == "lossy")
    checker = Checker(every=role.kind == "broadcast") if flags.verify_writes else None
    start.wait(START_TIMEOUT)
    began = time.monotonic()
    reads = 0
    while True:
        try:
            if flags.zero_copy:
                with reader.peek() as message:
                    verdict = checker.inspect(message) if checker else None
            else:
                copy = reader.read()
                verdict = checker.inspect(memoryview(copy)) if checker else None
        except Closed:
            break
        except Lapped:  # a lossy reader's view was overwritten: not a message
            continue
        if checker and verdict:
            checker.record(verdict)
        if flags.reader_burn_cpu_milliseconds:
            _burn_cpu(flags.reader_burn_cpu_milliseconds)
        reads += 1
        if reads % flags.writes_per_second == 0:
            log.debug("read %d slots so far", reads)
    seconds = time.monotonic() - began
    own = reader.stats()
    reader.close()
    if checker and checker.errors:
        print(f"{role.label}: {checker.errors} messages failed verification; first: "
              f"{checker.first_error}", file=sys.stderr)
    return Result(role.label, reads, seconds, flags.slot_bytes, role.target,
                  waits=own.waits, missed=own.missed,
                  errors=checker.errors if checker else 0,
                  first_error=checker.first_error if checker else "")
