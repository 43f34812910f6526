"""What a bench message holds and how its reader checks it.

A message is perf's 16-byte header (writer index, checksum, the writer's
sequence number) and a random body. The checksum is the CRC32 of the body,
or for bodies above SAMPLE_ABOVE bytes of every stride(n)-th byte of it: a
sampled comparison of at most MAX_SAMPLES bytes, so that checking a frame
costs the same few microseconds at any size, not a pass over megabytes. Writers cycle through VARIANTS prebuilt messages and only
stamp the header, so a message costs no copy before the transport's own;
in-place writers write only the header and the sampled bytes into the slot."""

from __future__ import annotations

import os
import zlib
from array import array
from typing import List, Optional, Union

from ..perf._payload import HEADER

#: What transports hand a reader (or a writer stamps).
Message = Union[bytes, bytearray, memoryview]
_unpack = HEADER.unpack_from

SAMPLE_ABOVE = 4096
STRIDE = 4093  # the narrowest stride: prime, so no page-aligned pattern hides
MAX_SAMPLES = 256
VARIANTS = 2

#: Test hook: the writer corrupts the message with this sequence number.
CORRUPT_ENV = "SHMRING_BENCH_CORRUPT"


def stride(n: int) -> int:
    """The sampling stride for a body of n bytes (above SAMPLE_ABOVE)."""
    return max(STRIDE, -(-n // MAX_SAMPLES))


def digest(message: Message) -> int:
    """The CRC32 of the body after the header: all of it, or above
    SAMPLE_ABOVE bytes its sampled bytes. Slices the message as it comes
    (bytes or memoryview): wrapping it costs more than the CRC of 48 bytes."""
    n = len(message) - HEADER.size
    if n > SAMPLE_ABOVE:
        return zlib.crc32(bytes(message[HEADER.size::stride(n)]))
    return zlib.crc32(message[HEADER.size:])


class Payload:
    """The writer's side: message(sequence) is a buffer valid until the
    next call (transports that keep it, like multiprocessing.Queue, copy it);
    stamp_in_place / stamp_header write a message into a slot in place."""

    def __init__(self, size: int, writer: int = 0) -> None:
        if size <= HEADER.size:
            raise ValueError(f"messages need more than {HEADER.size} bytes")
        self.size, self.writer = size, writer
        self._stride = stride(size - HEADER.size)
        self._messages: List[bytearray] = []
        self._crcs: List[int] = []
        self._samples: List[bytes] = []
        for _ in range(VARIANTS):
            message = bytearray(HEADER.size) + os.urandom(size - HEADER.size)
            self._messages.append(message)
            self._crcs.append(digest(message))
            self._samples.append(bytes(message[HEADER.size::self._stride]))
        corrupt = os.environ.get(CORRUPT_ENV)
        self._corrupt: Optional[int] = int(corrupt) if corrupt else None

    def message(self, sequence: int) -> bytearray:
        k = sequence % VARIANTS
        message = self._messages[k]
        HEADER.pack_into(message, 0, self.writer, self._crcs[k], sequence)
        if sequence == self._corrupt:
            message = bytearray(message)
            message[HEADER.size] ^= 0xFF  # a sampled byte at every size
        return message

    def stamp_in_place(self, slot: memoryview, sequence: int) -> None:
        """The message into a slot: above SAMPLE_ABOVE bytes only the bytes
        the checksum samples (a producer that fills the slot in place; the
        reader's check is the same as for a copied message)."""
        if self.size <= SAMPLE_ABOVE:
            slot[:] = self.message(sequence)
            return
        k = sequence % VARIANTS
        slot[HEADER.size::self._stride] = self._samples[k]
        HEADER.pack_into(slot, 0, self.writer, self._crcs[k], sequence)
        if sequence == self._corrupt:
            slot[HEADER.size] ^= 0xFF

    def stamp_header(self, slot: memoryview, sequence: int) -> None:
        """Only the header: the payload stays as the slot had it."""
        HEADER.pack_into(slot, 0, self.writer, 0, sequence)


class Checker:
    """The reader's side: check(message) for each message. Each writer's
    messages must come in order with their checksum (header_only: only
    length and header). A broadcast or sole reader must see every message
    of each writer (0, 1, 2, ...); a group member (`partial`) sees a rising
    subset, recorded in `seen` for the parent's partition_problem()."""

    def __init__(self, size: int, writers: int = 1, header_only: bool = False,
                 partial: bool = False) -> None:
        self._size, self._header_only, self._partial = size, header_only, partial
        self.expected = [0] * writers
        self.seen = [array("q") for _ in range(writers)]
        self.errors = 0
        self.first_error = ""

    def check(self, message: Message) -> None:
        if len(message) != self._size:
            self._fail(f"a message of {len(message)} bytes, not {self._size}")
            return
        writer, crc, sequence = _unpack(message)
        try:
            due = self.expected[writer]
        except IndexError:
            self._fail(f"a message from writer {writer}")
            return
        self.expected[writer] = sequence + 1
        if not self._header_only and digest(message) != crc:
            self._fail(f"message {sequence}: checksum mismatch")
        elif self._partial:
            if sequence < due:
                self._fail(f"message {sequence} after {due - 1}")
            self.seen[writer].append(sequence)
        elif sequence != due:
            self._fail(f"message {sequence} where {due} was due")

    def _fail(self, problem: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or problem

    @property
    def counts(self) -> List[int]:
        """Messages seen per writer (the whole stream so far, unless partial)."""
        if self._partial:
            return [len(s) for s in self.seen]
        return list(self.expected)


def partition_problem(parts: List["array[int]"], written: int) -> str:
    """The group members' sequence numbers of one writer, together: every
    message 0 .. written-1 exactly once ("" if so)."""
    marks = bytearray(written)
    for part in parts:
        for sequence in part:
            if sequence >= written:
                return f"message {sequence} read, {written} written"
            if marks[sequence]:
                return f"message {sequence} read twice"
            marks[sequence] = 1
    missing = marks.find(0)
    return f"message {missing} never read" if missing >= 0 else ""
