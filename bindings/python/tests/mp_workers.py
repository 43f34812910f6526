"""Process bodies for test_multiprocessing.py (importable by spawn and
forkserver children). Every message is (sequence, crc32 of payload) +
payload, with a payload derived from the sequence, so that a reader can
check each one on its own."""

import random
import struct
import zlib

import shmring

HEADER = struct.Struct("<QI")


def message(sequence: int, slot_bytes: int) -> bytes:
    rng = random.Random(sequence)
    n = rng.randrange(slot_bytes - HEADER.size + 1)
    payload = rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""
    return HEADER.pack(sequence, zlib.crc32(payload)) + payload


def check(data, slot_bytes: int) -> int:
    """The sequence of a message; AssertionError if it is torn or altered."""
    sequence, crc = HEADER.unpack_from(data)
    assert zlib.crc32(data[HEADER.size:]) == crc, f"message {sequence}: bad checksum"
    assert data == message(sequence, slot_bytes), f"message {sequence}: wrong content"
    return sequence


def write_all(ring: shmring.Ring, count: int) -> None:
    """Write `count` messages using every write path, then leave (the last
    writer: the stream ends)."""
    with ring.writer() as writer:
        sequence = 0
        while sequence < count:
            kind = sequence % 3
            if kind == 0:
                writer.write(message(sequence, ring.slot_bytes), timeout=30)
                sequence += 1
            elif kind == 1:
                batch = [message(s, ring.slot_bytes) for s in range(sequence, min(sequence + 4, count))]
                sequence += writer.write_batch(batch, timeout=30)
            else:
                data = message(sequence, ring.slot_bytes)
                with writer.reserve(len(data), timeout=30) as slot:
                    slot[:] = data
                sequence += 1


def read_all(ring: shmring.Ring, group, ready, results) -> None:
    """Join, say so, then check every message until the end of the stream;
    report (group, sequences seen) or the failure."""
    try:
        with ring.reader(group=group) as reader:
            ready.put(True)
            seen = []
            while True:
                try:
                    with reader.peek(timeout=30) as data:
                        seen.append(check(data, ring.slot_bytes))
                except shmring.Closed:
                    break
        results.put((group, seen))
    except BaseException as e:  # reported to the parent, which fails the test
        results.put((group, repr(e)))
