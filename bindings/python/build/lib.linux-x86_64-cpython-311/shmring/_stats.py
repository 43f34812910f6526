"""Statistics: typed, frozen snapshots of the C core's counters.

`ring.stats()` takes one snapshot (one C call: shmring_stats_read and its
getters run in csrc/stats.c) and names its fields here. The snapshot reads
shared memory without locks: each value is current when read, the whole is
not one atomic picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, TypeVar

from . import _core
from ._errors import Invalid

#: SHMRING_KIND_* as the `kind` strings of ReaderStats.
KINDS = {
    _core.SHMRING_KIND_BROADCAST: "broadcast",
    _core.SHMRING_KIND_GROUP_MEMBER: "member",
    _core.SHMRING_KIND_LOSSY: "lossy",
}


@dataclass(frozen=True)
class WriterStats:
    """One writer's entry."""

    pid: int
    alive: bool          # its process still runs
    messages: int        # published
    waits: int           # sleeps for a free slot
    bytes: int           # payload bytes published
    aborted: int         # reservations aborted
    entry: int           # its entry in the writer table (a handle's own: Writer.stats)


@dataclass(frozen=True)
class ReaderStats:
    """One reader's entry."""

    pid: int
    alive: bool
    kind: str            # "broadcast", "member" (of `group`) or "lossy"
    position: int        # next sequence it reads (a member: its group's)
    lag: int             # next_sequence - position
    messages: int        # delivered
    waits: int           # sleeps for data
    missed: int          # lapped or skipped over
    redelivered: int     # a member: messages taken over from a dead member
    group: Optional[str]  # a member's group, else None
    entry: int           # its entry in the reader table (a handle's own: Reader.stats)


@dataclass(frozen=True)
class RingStats:
    """A snapshot of a whole ring: its counters and every participant."""

    next_sequence: int    # the sequence the next write gets
    closed: bool          # the stream has ended
    writers: int          # writer entries in use
    readers: int          # reader entries in use
    writers_joined: int   # writers that ever joined
    writers_reaped: int   # dead writers' entries freed
    readers_reaped: int   # dead readers' entries freed
    slots_abandoned: int  # claimed by a writer that died, skipped by readers
    writer_stats: Tuple[WriterStats, ...]
    reader_stats: Tuple[ReaderStats, ...]


_T = TypeVar("_T")


def own_entry(entries: Sequence[_T], entry: int, what: str) -> _T:
    """The entry a handle occupies (shmring_*_entry_index), or Invalid."""
    for e in entries:
        if getattr(e, "entry") == entry:
            return e
    raise Invalid(f"{what} has no entry in the ring's statistics")


def snapshot(ring_handle: object) -> RingStats:
    """One snapshot of the ring behind a shmring._core ring handle."""
    fields, writers, readers = _core.stats(ring_handle)
    (next_sequence, closed, n_writers, n_readers, joined, writers_reaped,
     readers_reaped, abandoned) = fields
    return RingStats(
        next_sequence, bool(closed), n_writers, n_readers, joined, writers_reaped,
        readers_reaped, abandoned,
        tuple(WriterStats(pid, bool(alive), messages, waits, nbytes, aborted, entry)
              for pid, alive, messages, waits, nbytes, aborted, entry in writers),
        tuple(ReaderStats(pid, bool(alive), KINDS.get(kind, str(kind)), position, lag,
                          messages, waits, missed, redelivered, group, entry)
              for (pid, alive, kind, position, lag, messages, waits, missed,
                   redelivered, entry, group) in readers))
