"""The cross-language test message (tests/cross/README.md): its length
schedule, encoding and the consumer's checks."""

import struct
from typing import BinaryIO, Dict, List, Optional

HEADER = 20
MASK64 = (1 << 64) - 1


def length(writer: int, seq: int, slot_bytes: int) -> int:
    """The scheduled length of message (writer, seq)."""
    k = (seq * 0x9E3779B97F4A7C15 + writer * 0xC2B2AE3D27D4EB4F) & MASK64
    k ^= k >> 29
    r, x = k % 16, k >> 8
    if r == 0:
        return 0
    if r == 1:
        return slot_bytes
    if r == 2:
        return 1 + x % 19
    return HEADER + x % (slot_bytes - 19)


def checksum(m) -> int:
    """FNV-1a 32 over bytes 0..16 and 20..len(m)."""
    h = 0x811C9DC5
    for part in (m[:16], m[HEADER:]):
        for b in bytes(part):
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def short_pattern(n: int) -> bytes:
    return bytes((n * 17 + i) & 0xFF for i in range(n))


def payload(writer: int, seq: int, n: int) -> bytes:
    return bytes((i * 7 + seq * 13 + writer * 101) & 0xFF for i in range(HEADER, n))


def encode_into(out, writer: int, seq: int, n: int) -> None:
    """Writes message (writer, seq) of n bytes into the writable buffer out."""
    if n < HEADER:
        out[:n] = short_pattern(n)
        return
    struct.pack_into("<IIQ", out, 0, writer, n, seq)
    out[HEADER:n] = payload(writer, seq, n)
    struct.pack_into("<I", out, 16, checksum(out[:n]))


class Checker:
    """What a consumer has seen; check() raises ValueError on a bad message."""

    def __init__(self, slot_bytes: int, count: int, writers: List[int],
                 report: Optional[BinaryIO] = None) -> None:
        self.slot_bytes = slot_bytes
        self.count = count
        self.writers = writers
        self.last_seq: Dict[int, int] = {w: -1 for w in writers}
        self.full: Dict[int, int] = {w: 0 for w in writers}
        self.shorts = [0] * HEADER
        self.messages = 0
        self.report = report

    def _report(self, line: str) -> None:
        if self.report is not None:
            self.report.write(line.encode() + b"\n")

    def check(self, m) -> None:
        self.messages += 1
        n = len(m)
        if n > self.slot_bytes:
            raise ValueError(f"message of {n} bytes in slots of {self.slot_bytes}")
        if n < HEADER:
            if bytes(m) != short_pattern(n):
                raise ValueError(f"short message of {n} bytes: {bytes(m).hex()}")
            self.shorts[n] += 1
            self._report(f"short {n}")
            return
        w, field, s = struct.unpack_from("<IIQ", m, 0)
        if (w not in self.last_seq or s >= self.count or field != n
                or length(w, s, self.slot_bytes) != n):
            raise ValueError(f"bad header: writer {w} seq {s} length field {field}, "
                             f"{n} bytes received")
        if bytes(m[HEADER:]) != payload(w, s, n):
            raise ValueError(f"({w}, {s}): bad payload")
        if struct.unpack_from("<I", m, 16)[0] != checksum(m):
            raise ValueError(f"({w}, {s}): bad checksum")
        if s <= self.last_seq[w]:
            raise ValueError(f"({w}, {s}) after ({w}, {self.last_seq[w]}): "
                             "out of order or repeated")
        self.last_seq[w] = s
        self.full[w] += 1
        self._report(f"{w} {s}")

    def check_complete(self) -> None:
        """A broadcast consumer's end check: the whole schedule was received."""
        shorts = [0] * HEADER
        for w in self.writers:
            full = 0
            for s in range(self.count):
                n = length(w, s, self.slot_bytes)
                if n < HEADER:
                    shorts[n] += 1
                else:
                    full += 1
            if full != self.full[w]:
                raise ValueError(f"writer {w}: {self.full[w]} full messages received, "
                                 f"{full} written")
        for n in range(HEADER):
            if shorts[n] != self.shorts[n]:
                raise ValueError(f"{self.shorts[n]} short messages of {n} bytes received, "
                                 f"{shorts[n]} written")
