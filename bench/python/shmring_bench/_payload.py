"""What a bench message holds and how its reader checks it.

A message is perf's 16-byte header (writer index, 0, the writer's sequence
number), a random body and a CRC32 in its last 4 bytes. The CRC starts from
the sequence number and covers what the writer wrote: the header and the
whole body, or above SAMPLE_ABOVE body bytes the header and every
stride(n)-th body byte (at most MAX_SAMPLES of them, so checking a frame
costs the same few microseconds at any size), or for header-only messages
the header alone. One check thus proves both the content and the position
in the writer's stream. Up to SAMPLE_ABOVE the check is one zlib.crc32 call
over the message: CRC32 over data followed by its own CRC (little-endian)
gives the constant RESIDUE.

Writers cycle through VARIANTS prebuilt messages and only store the
sequence number and the CRC into them (through memoryview casts: an item
store costs less than struct.pack_into), so a message costs no copy before
the transport's own; in-place writers write only the header, the sampled
bytes and the CRC into the slot. The same Payload and Checker serve every
transport."""

from __future__ import annotations

import os
import struct
import sys
import zlib
from array import array
from typing import Callable, List, Optional, Tuple, Union

from shmring.perf._payload import HEADER

if sys.byteorder != "little":
    raise ImportError("shmring_bench stores its CRCs little-endian through native casts")

#: What transports hand a reader (or a writer stamps).
Message = Union[bytes, bytearray, memoryview]
_unpack = HEADER.unpack_from

SAMPLE_ABOVE = 4096
STRIDE = 4093  # the narrowest stride: prime, so no page-aligned pattern hides
MAX_SAMPLES = 256
VARIANTS = 2
CRC_BYTES = 4
#: Header and CRC: the bytes of a message that are not its body.
FRAMING = HEADER.size + CRC_BYTES
#: zlib.crc32(data + crc.to_bytes(4, "little"), start) where crc is
#: zlib.crc32(data, start), for any data and start.
RESIDUE = 0x2144DF1C
SEQUENCE_AT = HEADER.size - 8  # HEADER's last field, a little-endian u64
#: The header's unused u32 (perf's CRC field): the byte the test hook flips
#: in a header-only message.
RESERVED_AT = 4
_CRC = struct.Struct("<I")

#: Test hook: the writer corrupts the message with this sequence number
#: (Payload.injected counts it) and writes at least that many + 1 messages
#: whatever the duration (Payload.minimum), so the fault is planted on any
#: machine, however slow.
CORRUPT_ENV = "SHMRING_BENCH_CORRUPT"


def stride(n: int) -> int:
    """The sampling stride for a body of n bytes (above SAMPLE_ABOVE)."""
    return max(STRIDE, -(-n // MAX_SAMPLES))


def samples_digest(header: Message, samples: bytes, sequence: int) -> int:
    """The CRC of a header followed by the sampled body bytes (an in-place
    writer has the samples at hand; a reader picks them out of the message)."""
    return zlib.crc32(samples, zlib.crc32(header, sequence))


def sampled_digest(covered: Message, sequence: int) -> int:
    """The CRC of the header and every stride(n)-th byte of the body."""
    body = len(covered) - HEADER.size
    return samples_digest(covered[:HEADER.size],
                          bytes(covered[HEADER.size::stride(body)]), sequence)


Digest = Callable[[Message, int], int]


def digest_for(size: int) -> Digest:
    """How the CRC of a message of `size` bytes is taken, from the message
    without its last 4 bytes and the sequence number."""
    return sampled_digest if size - FRAMING > SAMPLE_ABOVE else zlib.crc32


def header_digest(covered: Message, sequence: int) -> int:
    """A header-only message's CRC: of the header alone."""
    return zlib.crc32(covered[:HEADER.size], sequence)


class Payload:
    """The writer's side: message(sequence) is a buffer valid until the
    next call (transports that keep it, like multiprocessing.Queue, copy it);
    stamp_in_place / stamp_header write a message into a slot in place.
    minimum: messages to write before stopping (the test hook's corrupt + 1,
    else 0); injected: corrupted messages made so far."""

    def __init__(self, size: int, writer: int = 0) -> None:
        if size <= FRAMING:
            raise ValueError(f"messages need more than {FRAMING} bytes")
        self.size, self.writer = size, writer
        self._digest = digest_for(size)
        self._stride = stride(size - FRAMING)
        # Per variant: the message, one-item views of its sequence number
        # (u64) and CRC (u32), and what the CRC covers.
        self._variants: List[Tuple[bytearray, memoryview, memoryview, memoryview]] = []
        self._samples: List[bytes] = []  # per variant, for stamp_in_place
        for _ in range(VARIANTS):
            message = bytearray(HEADER.pack(writer, 0, 0)) + os.urandom(size - HEADER.size)
            view = memoryview(message)
            self._variants.append((message, view[SEQUENCE_AT:HEADER.size].cast("Q"),
                                   view[-CRC_BYTES:].cast("I"), view[:-CRC_BYTES]))
            self._samples.append(bytes(message[HEADER.size:-CRC_BYTES:self._stride]))
        corrupt = os.environ.get(CORRUPT_ENV)
        self._corrupt: Optional[int] = int(corrupt) if corrupt else None
        self.minimum = 0 if self._corrupt is None else self._corrupt + 1
        self.injected = 0

    def message(self, sequence: int) -> bytearray:
        message, sequence_item, crc_item, covered = self._variants[sequence % VARIANTS]
        sequence_item[0] = sequence
        crc_item[0] = self._digest(covered, sequence)
        if sequence == self._corrupt:
            message = bytearray(message)
            message[HEADER.size] ^= 0xFF  # a sampled byte at every size
            self.injected += 1
        return message

    def stamp_in_place(self, slot: memoryview, sequence: int) -> None:
        """The message into a slot: above SAMPLE_ABOVE bytes only the header,
        the bytes the CRC samples and the CRC (a producer that fills the
        slot in place; the reader's check is the same as for a copied one)."""
        if self._digest is zlib.crc32:
            slot[:] = self.message(sequence)
            return
        samples = self._samples[sequence % VARIANTS]
        HEADER.pack_into(slot, 0, self.writer, 0, sequence)
        slot[HEADER.size:-CRC_BYTES:self._stride] = samples
        self._seal(slot, samples_digest(slot[:HEADER.size], samples, sequence), sequence,
                   HEADER.size)

    def stamp_header(self, slot: memoryview, sequence: int) -> None:
        """Only the header and its CRC: the body stays as the slot had it."""
        HEADER.pack_into(slot, 0, self.writer, 0, sequence)
        self._seal(slot, header_digest(slot, sequence), sequence, RESERVED_AT)

    def _seal(self, slot: memoryview, crc: int, sequence: int, corrupt_at: int) -> None:
        """Stores the CRC in the slot's tail; the test hook then flips a
        covered byte."""
        _CRC.pack_into(slot, self.size - CRC_BYTES, crc)
        if sequence == self._corrupt:
            slot[corrupt_at] ^= 0xFF
            self.injected += 1


def _tail(message: Message) -> int:
    return int.from_bytes(message[-CRC_BYTES:], "little")


class Checker:
    """The reader's side: check(message) for each message. Each writer's
    messages must come in order with their CRC (header_only: a CRC of the
    header alone). A broadcast or sole reader must see every message of each
    writer (0, 1, 2, ...); a group member (`partial`) sees a rising subset,
    recorded in `seen` for the parent's partition_problem()."""

    def __init__(self, size: int, writers: int = 1, header_only: bool = False,
                 partial: bool = False) -> None:
        self._size, self._partial = size, partial
        self._digest = header_digest if header_only else digest_for(size)
        self.expected = [0] * writers
        self.seen = [array("q") for _ in range(writers)]
        self.errors = 0
        self.first_error = ""
        fast = self._digest is zlib.crc32 and writers == 1 and not partial
        self.check: Callable[[Message], None] = self._check_whole if fast else self._check_any

    def _check_whole(self, message: Message) -> None:
        # The hot path of the 64 B cells: one CRC over the whole message (a
        # message of another length fails it too); _check_any says what failed.
        expected = self.expected
        if zlib.crc32(message, expected[0]) != RESIDUE:
            self._check_any(message)
        else:
            expected[0] += 1

    def _valid(self, message: Message, sequence: int) -> bool:
        if self._digest is zlib.crc32:
            return zlib.crc32(message, sequence) == RESIDUE
        # A view: slicing a 6 MB bytes would copy it.
        return self._digest(memoryview(message)[:-CRC_BYTES], sequence) == _tail(message)

    def _check_any(self, message: Message) -> None:
        if len(message) != self._size:
            self._fail(f"a message of {len(message)} bytes, not {self._size}")
            return
        writer, _, sequence = _unpack(message)
        try:
            due = self.expected[writer]
        except IndexError:
            self._fail(f"a message from writer {writer}")
            return
        self.expected[writer] = sequence + 1
        if not self._valid(message, sequence):
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
