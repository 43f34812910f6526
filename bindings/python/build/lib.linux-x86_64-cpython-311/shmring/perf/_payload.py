"""What a message holds, and how a reader checks it.

With verification each message is a 16-byte header (writer index, CRC32 of
the body, the writer's sequence number) and a body taken from a block of
random bytes at an offset that changes with the sequence. Without it, the
message is a slice of the random bytes, written as it is (no copy before the
ring's); with it, copying writes assemble header and body in a buffer first,
zero-copy writes assemble them in the slot."""

from __future__ import annotations

import os
import struct
import zlib
from typing import Dict, Tuple

HEADER = struct.Struct("<IIQ")  # writer, crc32(body), sequence

_PATTERN_BYTES = 1 << 20


class Source:
    """A writer's messages: message(sequence) for copying writes,
    fill(slot, sequence) for reserved slots."""

    def __init__(self, slot_bytes: int, writer: int, verify: bool) -> None:
        self._bytes = slot_bytes
        self._writer = writer
        self._verify = verify
        pattern = os.urandom(_PATTERN_BYTES)
        self._random = memoryview(pattern * (slot_bytes // _PATTERN_BYTES + 2))
        self._buffer = bytearray(slot_bytes) if verify else None

    def _offset(self, sequence: int) -> int:
        return (sequence * 4099) % _PATTERN_BYTES

    def message(self, sequence: int) -> memoryview:
        start = self._offset(sequence)
        if self._buffer is None:
            return self._random[start:start + self._bytes]
        self.fill(memoryview(self._buffer), sequence)
        return memoryview(self._buffer)

    def fill(self, slot: memoryview, sequence: int) -> None:
        start = self._offset(sequence)
        if not self._verify:
            slot[:] = self._random[start:start + self._bytes]
            return
        body = self._random[start:start + self._bytes - HEADER.size]
        slot[HEADER.size:] = body
        HEADER.pack_into(slot, 0, self._writer, zlib.crc32(body), sequence)


Verdict = Tuple[int, int, str]  # writer, sequence, problem ("" if none)


class Checker:
    """A reader's checks: every body matches its CRC32, and each writer's
    sequence numbers rise; a reader that must see every message
    (`every=True`: a broadcast reader) also sees them start at 0 with no gap.

    inspect() judges a message, record() counts the verdict: apart, so that a
    lossy reader whose view turned out overwritten (Lapped) records nothing."""

    def __init__(self, every: bool) -> None:
        self._every = every
        self._last: Dict[int, int] = {}
        self.errors = 0
        self.first_error = ""

    def inspect(self, message: memoryview) -> Verdict:
        if len(message) < HEADER.size:
            return -1, -1, f"a message of {len(message)} bytes has no header"
        writer, crc, sequence = HEADER.unpack_from(message)
        if zlib.crc32(message[HEADER.size:]) != crc:
            return writer, sequence, f"writer {writer} message {sequence}: CRC32 mismatch"
        last = self._last.get(writer, -1)
        if sequence <= last or (self._every and sequence != last + 1):
            return writer, sequence, f"writer {writer}: message {sequence} after {last}"
        return writer, sequence, ""

    def record(self, verdict: Verdict) -> None:
        writer, sequence, problem = verdict
        if not problem:
            self._last[writer] = sequence
            return
        self.errors += 1
        if not self.first_error:
            self.first_error = problem
