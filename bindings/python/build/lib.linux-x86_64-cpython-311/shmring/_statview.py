"""What `python -m shmring stat NAME` shows: a snapshot as JSON, and the
rows of the live view, with rates computed from two successive snapshots.
Rendering is _statrender's."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from ._ring import Ring
from ._stats import ReaderStats, RingStats, WriterStats


def as_json(ring: Ring, stats: RingStats) -> Dict[str, Any]:
    """The ring's geometry and one snapshot, as JSON-ready data."""
    return {"name": ring.name, "slot_bytes": ring.slot_bytes,
            "slot_count": ring.slot_count, **dataclasses.asdict(stats)}


Entry = Union[WriterStats, ReaderStats]


def _keyed(entries: Iterable[Entry]) -> Dict[Tuple[Any, ...], Entry]:
    """Entries by (role, pid, group, n-th of those): how a participant is
    recognized in the next snapshot (the C core gives entries no id)."""
    keyed: Dict[Tuple[Any, ...], Entry] = {}
    for e in entries:
        base = ("writer", e.pid, None) if isinstance(e, WriterStats) else (e.kind, e.pid, e.group)
        n = 0
        while (*base, n) in keyed:
            n += 1
        keyed[(*base, n)] = e
    return keyed


@dataclass(frozen=True)
class Row:
    """One participant in the live view."""

    role: str              # "writer", "broadcast", "member <group>", "lossy"
    pid: int
    alive: bool
    position: Optional[int]  # readers
    lag: Optional[int]       # readers
    messages: int
    rate: Optional[float]    # messages per second since the last snapshot
    mb_per_second: Optional[float]  # writers
    waits: int
    missed: int            # readers: lapped or skipped; writers: aborted
    redelivered: int


def rows(stats: RingStats, previous: Optional[RingStats], seconds: float) -> List[Row]:
    """The participants of `stats`, with rates against `previous` taken
    `seconds` earlier (None when there is no earlier snapshot)."""
    before = _keyed([*previous.writer_stats, *previous.reader_stats]) if previous else {}

    def rate(key: Tuple[Any, ...], value: int, field: str) -> Optional[float]:
        old = before.get(key)
        if old is None or seconds <= 0:
            return None
        old_value: int = getattr(old, field)
        return max(0, value - old_value) / seconds

    out: List[Row] = []
    for key, e in _keyed([*stats.writer_stats, *stats.reader_stats]).items():
        if isinstance(e, WriterStats):
            byte_rate = rate(key, e.bytes, "bytes")
            out.append(Row("writer", e.pid, e.alive, None, None, e.messages,
                           rate(key, e.messages, "messages"),
                           None if byte_rate is None else byte_rate / 1e6,
                           e.waits, e.aborted, 0))
        else:
            role = f"member {e.group}" if e.kind == "member" else e.kind
            out.append(Row(role, e.pid, e.alive, e.position, e.lag, e.messages,
                           rate(key, e.messages, "messages"), None, e.waits, e.missed,
                           e.redelivered))
    return out


def headline(ring: Ring, stats: RingStats, previous: Optional[RingStats],
             seconds: float) -> str:
    """The ring-wide line: geometry, sequence and write rate, participants."""
    rate = ""
    if previous is not None and seconds > 0:
        rate = f" ({(stats.next_sequence - previous.next_sequence) / seconds:.1f}/s)"
    ended = ", stream ended" if stats.closed else ""
    return (f"{ring.name}: {ring.slot_count} slots of {ring.slot_bytes} bytes, "
            f"next sequence {stats.next_sequence}{rate}, "
            f"{stats.writers} writers (joined {stats.writers_joined}, reaped "
            f"{stats.writers_reaped}), {stats.readers} readers (reaped "
            f"{stats.readers_reaped}), {stats.slots_abandoned} slots abandoned{ended}")


COLUMNS = ("role", "pid", "alive", "position", "lag", "messages", "msg/s", "MB/s",
           "waits", "missed/aborted", "redelivered")


def cells(row: Row) -> Tuple[str, ...]:
    """A row as text, in COLUMNS order ("-" where a value does not apply)."""
    def num(value: Optional[Union[int, float]], fmt: str = "{}") -> str:
        return "-" if value is None else fmt.format(value)

    return (row.role, str(row.pid), "yes" if row.alive else "DEAD", num(row.position),
            num(row.lag), str(row.messages), num(row.rate, "{:.1f}"),
            num(row.mb_per_second, "{:.2f}"), str(row.waits), str(row.missed),
            str(row.redelivered))
