"""Named segments: what each one is, who uses it, and removing stale ones.

`inspect(name)` is one C call (shmring_inspect, in csrc/inspect.c): the
segment's kind and geometry and the processes recorded in it (creator,
writers, readers, a lock's holders), each checked for life by pid and start
time. A segment is *stale* when nobody recorded in it is alive;
`remove_stale(name)` removes it only then (shmring_remove_stale), and
`Ring.create(..., replace_stale=True)` takes the name of a stale one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator, List, Tuple

from . import _core

#: Where the C library's named segments live (glibc's shm_open).
SHM_DIRECTORY = "/dev/shm"

#: SHMRING_SEGMENT_* as the `kind` strings of SegmentInfo.
KINDS = {
    _core.SHMRING_SEGMENT_RING: "ring",
    _core.SHMRING_SEGMENT_RWLOCK: "lock",
    _core.SHMRING_SEGMENT_INITIALIZING: "initializing",
    _core.SHMRING_SEGMENT_ABANDONED: "abandoned",
    _core.SHMRING_SEGMENT_OTHER_VERSION: "other-version",
    _core.SHMRING_SEGMENT_CORRUPT: "corrupt",
    _core.SHMRING_SEGMENT_FOREIGN: "foreign",
    _core.SHMRING_SEGMENT_EMPTY: "empty",
}

#: SHMRING_ROLE_* as the `role` strings of Participant.
ROLES = {
    _core.SHMRING_ROLE_CREATOR: "creator",
    _core.SHMRING_ROLE_WRITER: "writer",
    _core.SHMRING_ROLE_READER: "reader",
    _core.SHMRING_ROLE_JOINING: "joining",
    _core.SHMRING_ROLE_HOLDER: "holder",
}


@dataclass(frozen=True)
class Participant:
    """A live process recorded in a segment, in one role."""

    pid: int
    role: str   # "creator", "writer", "reader", "joining" or "holder"


@dataclass(frozen=True)
class SegmentInfo:
    """What `shmring.inspect(name)` found (0 where a field does not apply)."""

    name: str
    kind: str            # see KINDS: "ring", "lock", "foreign", ...
    stale: bool          # nobody recorded in it is alive
    segment_bytes: int
    layout_version: int
    slot_bytes: int
    slot_count: int
    max_writers: int
    max_readers: int
    max_groups: int
    max_holders: int     # locks
    live_writers: int
    live_readers: int
    live_holders: int    # locks: RWLock objects open on it
    dead_entries: int    # entries of processes that are gone
    creator_pid: int
    creator_alive: bool
    live: Tuple[Participant, ...]
    summary: str         # one line: what it is, and why it is (not) stale

    @property
    def is_shmring(self) -> bool:
        """A ring or lock of shmring's (of any state), not somebody else's file."""
        return self.kind not in ("foreign", "empty")


def inspect(name: str) -> SegmentInfo:
    """Inspect the named segment without joining it. Raises NotFound, or
    PermissionDenied for another user's segment."""
    fields, live, summary = _core.inspect_segment(name)
    (kind, stale, segment_bytes, layout_version, slot_bytes, slot_count, max_writers,
     max_readers, max_groups, max_holders, live_writers, live_readers, live_holders,
     dead_entries, creator_pid, creator_alive) = fields
    return SegmentInfo(
        name=name if name.startswith("/") else "/" + name,
        kind=KINDS.get(kind, f"kind-{kind}"), stale=bool(stale),
        segment_bytes=segment_bytes, layout_version=layout_version,
        slot_bytes=slot_bytes, slot_count=slot_count, max_writers=max_writers,
        max_readers=max_readers, max_groups=max_groups, max_holders=max_holders,
        live_writers=live_writers, live_readers=live_readers, live_holders=live_holders,
        dead_entries=dead_entries, creator_pid=creator_pid,
        creator_alive=bool(creator_alive),
        live=tuple(Participant(pid, ROLES.get(role, str(role))) for pid, role in live),
        summary=summary)


def remove_stale(name: str) -> None:
    """Remove the named segment only if it is stale. Raises Exists (naming
    the live pids, or saying what the file is) otherwise, NotFound if there
    is no such name."""
    _core.remove_stale(name)


def segment_names(prefix: str = "") -> List[str]:
    """The names ("/name") of the regular files in /dev/shm starting with
    `prefix` (without the "/"), sorted; POSIX semaphores (sem.*) are not
    segments and are left out."""
    prefix = prefix.lstrip("/")
    return sorted("/" + e.name for e in _regular_files()
                  if e.name.startswith(prefix) and not e.name.startswith("sem."))


def _regular_files() -> Iterator["os.DirEntry[str]"]:
    with os.scandir(SHM_DIRECTORY) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    yield entry
            except OSError:  # gone meanwhile
                continue
