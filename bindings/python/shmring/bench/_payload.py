"""What a bench message holds and how its reader checks it.

A message is perf's 16-byte header (writer 0, 0, sequence number), a random
body and a CRC32 in its last 4 bytes. The CRC starts from the sequence
number and covers everything before it, so one check proves both the
content and the position in the stream; above SAMPLE_ABOVE bytes it covers
the header and every STRIDE-th byte of the body (a sampled comparison, so
that checking a 1080p frame costs microseconds, not a pass over 6 MB).
Up to SAMPLE_ABOVE the reader's whole check is one zlib.crc32 call over the
message: CRC32 over data followed by its own CRC (little-endian) gives the
constant RESIDUE. Writers cycle through VARIANTS prebuilt messages and only
store the sequence number and the CRC into them (through memoryview casts:
an item store costs less than struct.pack_into), so a message costs no copy
before the transport's own. The same Payload and Checker serve every
transport."""

from __future__ import annotations

import os
import sys
import zlib
from typing import Callable, List, Optional, Tuple

from ..perf._payload import HEADER

if sys.byteorder != "little":
    raise ImportError("shmring.bench stores its CRCs little-endian through native casts")

SAMPLE_ABOVE = 4096
STRIDE = 4093
VARIANTS = 2
CRC_BYTES = 4
#: zlib.crc32(data + crc.to_bytes(4, "little"), start) where crc is
#: zlib.crc32(data, start), for any data and start.
RESIDUE = 0x2144DF1C
SEQUENCE_AT = HEADER.size - 8  # HEADER's last field, a little-endian u64

#: Test hook: the writer corrupts the message with this sequence number.
CORRUPT_ENV = "SHMRING_BENCH_CORRUPT"


def sampled_digest(covered: memoryview, sequence: int) -> int:
    """The CRC of the header and every STRIDE-th byte of the body."""
    start = zlib.crc32(covered[:HEADER.size], sequence)
    return zlib.crc32(covered[HEADER.size::STRIDE].tobytes(), start)


Digest = Callable[[memoryview, int], int]


def digest_for(size: int) -> Digest:
    """How the CRC of a message of `size` bytes is taken, from the message
    without its last 4 bytes and the sequence number."""
    return sampled_digest if size - CRC_BYTES > SAMPLE_ABOVE else zlib.crc32


class Payload:
    """The writer's side: message(sequence) is a buffer valid until the
    next call (transports that keep it, like multiprocessing.Queue, copy it)."""

    def __init__(self, size: int) -> None:
        if size <= HEADER.size + CRC_BYTES:
            raise ValueError(f"messages need more than {HEADER.size + CRC_BYTES} bytes")
        self.size = size
        self._digest = digest_for(size)
        # Per variant: the message, one-item views of its sequence number
        # (u64) and CRC (u32), and what the CRC covers.
        self._variants: List[Tuple[bytearray, memoryview, memoryview, memoryview]] = []
        for _ in range(VARIANTS):
            message = bytearray(HEADER.size) + os.urandom(size - HEADER.size)
            view = memoryview(message)
            self._variants.append((message, view[SEQUENCE_AT:HEADER.size].cast("Q"),
                                   view[-CRC_BYTES:].cast("I"), view[:-CRC_BYTES]))
        corrupt = os.environ.get(CORRUPT_ENV)
        self._corrupt: Optional[int] = int(corrupt) if corrupt else None

    def message(self, sequence: int) -> bytearray:
        message, sequence_item, crc_item, covered = self._variants[sequence % VARIANTS]
        sequence_item[0] = sequence
        crc_item[0] = self._digest(covered, sequence)
        if sequence == self._corrupt:
            message = bytearray(message)
            message[HEADER.size] ^= 0xFF  # a sampled byte at every size
        return message


class Checker:
    """The reader's side: check(message) for each message, in order; every
    message of the stream must come, once, with its checksum."""

    def __init__(self, size: int) -> None:
        self._size = size
        self.expected = 0
        self.errors = 0
        self.first_error = ""
        self._digest = digest_for(size)
        self.check: Callable[[memoryview], None] = (
            self._check_whole if self._digest is zlib.crc32 else self._check_sampled)

    def _check_whole(self, message: memoryview) -> None:
        # The hot path of the 64 B cells: one CRC over the whole message (a
        # message of another length fails it too; _failed says which).
        if zlib.crc32(message, self.expected) != RESIDUE:
            self._failed(memoryview(message))
        else:
            self.expected += 1

    def _check_sampled(self, message: memoryview) -> None:
        view = memoryview(message)
        if (len(view) != self._size or self._digest(view[:-CRC_BYTES], self.expected)
                != int.from_bytes(view[-CRC_BYTES:], "little")):
            self._failed(view)
        else:
            self.expected += 1

    def _failed(self, message: memoryview) -> None:
        if len(message) != self._size:
            problem = f"a message of {len(message)} bytes, not {self._size}"
            sequence = self.expected
        else:
            sequence = int.from_bytes(message[SEQUENCE_AT:HEADER.size], "little")
            problem = (f"message {sequence}: checksum mismatch" if sequence == self.expected
                       else f"message {sequence} where {self.expected} was due")
        self.expected = sequence + 1
        self.errors += 1
        self.first_error = self.first_error or problem
