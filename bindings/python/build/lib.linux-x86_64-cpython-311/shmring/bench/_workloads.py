"""The workloads: message size, how many writers and readers, and how the
messages are made and checked. Each runs on every transport that can do it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

#: How many messages a batch call moves.
BATCH = 64

#: Message kinds: "stream" (one copy in per message), "batch" (the batch
#: API), "in-place" (written into a reserved slot: header, the sampled bytes
#: and the CRC only; read zero-copy), "untouched" (reserve+commit and
#: view+release: only the 16-byte header and its CRC are written and
#: checked), "pingpong".
KINDS = ("stream", "batch", "in-place", "untouched", "pingpong")


@dataclass(frozen=True)
class Workload:
    name: str
    size: int           # bytes per message
    slots: int          # ring slots, queue bound, shared-memory slots
    kind: str
    about: str
    writers: int = 1
    readers: int = 1
    group: bool = False  # the readers split the stream (else each sees all)

    @property
    def broadcast(self) -> bool:
        return self.readers > 1 and not self.group

    @property
    def fills_slots(self) -> bool:
        """Writers fill a transport's slot in place (no message to copy)."""
        return self.kind in ("in-place", "untouched")


MB = 1_000_000
FRAME_1080P = 6_220_800      # 1920 × 1080 × 3
FRAME_2160P = 24_883_200     # 3840 × 2160 × 3

WORKLOADS: List[Workload] = [
    Workload("64B", 64, 1024, "stream", "64 B messages 1→1, one per call"),
    Workload("64B-batch", 64, 1024, "batch",
             f"64 B messages 1→1, batch API ({BATCH} per call)"),
    Workload("1MB", MB, 8, "stream", "1 MB messages 1→1"),
    Workload("1080p", FRAME_1080P, 8, "stream", "6,220,800 B frames (1080p RGB) 1→1"),
    Workload("2160p", FRAME_2160P, 8, "stream", "24,883,200 B frames (2160p RGB) 1→1"),
    Workload("1MB-reserve", MB, 8, "in-place",
             "1 MB 1→1 written into a reserved slot, read zero-copy"),
    Workload("1080p-reserve", FRAME_1080P, 8, "in-place",
             "1080p frames 1→1 written into a reserved slot, read zero-copy"),
    Workload("2160p-reserve", FRAME_2160P, 8, "in-place",
             "2160p frames 1→1 written into a reserved slot, read zero-copy"),
    Workload("1080p-untouched", FRAME_1080P, 8, "untouched",
             "1080p frames 1→1, neither side touches the payload "
             "(reserve+commit, view+release; the 16 B header and its CRC only)"),
    Workload("1MB-1to4", MB, 8, "stream",
             "1 MB messages 1→4 broadcast (aggregate over the 4 readers)", readers=4),
    Workload("64B-2to1", 64, 1024, "stream", "64 B messages 2→1", writers=2),
    Workload("64B-group2", 64, 1024, "stream",
             "64 B messages 1→group of 2 (each message to one reader)",
             readers=2, group=True),
    Workload("pingpong", 64, 64, "pingpong",
             "64 B ping-pong, one-way latency (half the round trip)"),
]

#: The seed README's perf scenarios (python -m shmring.perf), a section of
#: their own: shmring only, their own columns.
SEED_PERF = "seed-perf"

NAMES = [w.name for w in WORKLOADS] + [SEED_PERF]
