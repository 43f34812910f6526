"""What a bench message holds and how its reader checks it.

A message is perf's 16-byte header (writer 0, checksum, sequence number) and
a random body. The checksum is the CRC32 of the body, or for bodies above
SAMPLE_ABOVE bytes of every STRIDE-th byte of it (a sampled comparison, so
that checking a 1080p frame costs microseconds, not a pass over 6 MB).
Writers cycle through VARIANTS prebuilt messages and only stamp the header,
so a message costs no copy before the transport's own."""

from __future__ import annotations

import os
import zlib
from typing import List, Optional

from ..perf._payload import HEADER

SAMPLE_ABOVE = 4096
STRIDE = 4093
VARIANTS = 2

#: Test hook: the writer corrupts the message with this sequence number.
CORRUPT_ENV = "SHMRING_BENCH_CORRUPT"


def digest(body: memoryview) -> int:
    if len(body) > SAMPLE_ABOVE:
        return zlib.crc32(body[::STRIDE].tobytes())
    return zlib.crc32(body)


class Payload:
    """The writer's side: message(sequence) is a buffer valid until the
    next call (transports that keep it, like multiprocessing.Queue, copy it)."""

    def __init__(self, size: int) -> None:
        if size <= HEADER.size:
            raise ValueError(f"messages need more than {HEADER.size} bytes")
        self.size = size
        self._messages: List[bytearray] = []
        self._crcs: List[int] = []
        for _ in range(VARIANTS):
            message = bytearray(HEADER.size) + os.urandom(size - HEADER.size)
            self._messages.append(message)
            self._crcs.append(digest(memoryview(message)[HEADER.size:]))
        corrupt = os.environ.get(CORRUPT_ENV)
        self._corrupt: Optional[int] = int(corrupt) if corrupt else None

    def message(self, sequence: int) -> bytearray:
        k = sequence % VARIANTS
        message = self._messages[k]
        HEADER.pack_into(message, 0, 0, self._crcs[k], sequence)
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

    def check(self, message: memoryview) -> None:
        if len(message) != self._size:
            problem = f"a message of {len(message)} bytes, not {self._size}"
            sequence = self.expected
        else:
            _, crc, sequence = HEADER.unpack_from(message)
            problem = ""
            if digest(memoryview(message)[HEADER.size:]) != crc:
                problem = f"message {sequence}: checksum mismatch"
            elif sequence != self.expected:
                problem = f"message {sequence} where {self.expected} was due"
        self.expected = sequence + 1
        if problem:
            self.errors += 1
            self.first_error = self.first_error or problem
