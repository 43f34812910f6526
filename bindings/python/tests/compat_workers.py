"""Process bodies for test_compat.py (importable by spawn and forkserver
children), written as code for the seed library would be."""

import os
import struct

from shmring import compat as ringbuffer

NUMBER = struct.Struct("<I")


def payload(i: int) -> bytes:
    """Message i: its number, then bytes derived from it (0..200 of them)."""
    return NUMBER.pack(i) + bytes((i + k) % 251 for k in range(i % 201))


def write_numbered(ring: ringbuffer.RingBuffer, count: int) -> None:
    """Write messages 0..count-1, waiting for slow readers, then finish."""
    for i in range(count):
        while True:
            try:
                ring.try_write(payload(i))
                break
            except ringbuffer.WaitingForReaderError:
                os.sched_yield()  # the seed's API has no blocking write: retry
    ring.writer_done()


def read_all(ring: ringbuffer.RingBuffer, pointer: ringbuffer.Pointer, results) -> None:
    """Read until WriterFinishedError; report the numbers of the messages
    that arrived intact (or what went wrong)."""
    try:
        seen = []
        while True:
            try:
                data = ring.blocking_read(pointer)
            except ringbuffer.WriterFinishedError:
                break
            assert isinstance(data, bytearray)
            (i,) = NUMBER.unpack_from(data)
            assert data == payload(i), f"message {i} altered"
            seen.append(i)
        results.put((os.getpid(), seen, pointer.get().counter))
    except BaseException as e:  # reported to the parent, which fails the test
        results.put((os.getpid(), repr(e), None))


def count_under_seed_lock(lock: ringbuffer.ReadersWriterLock, counter, times: int) -> None:
    """Add 1 to counter.value `times` times under for_write(), by a read, a
    pause and a write that only mutual exclusion keeps from losing updates;
    peek at it under nested for_read() in between."""
    for _ in range(times):
        with lock.for_write():
            value = counter.value
            os.sched_yield()
            counter.value = value + 1
        with lock.for_read():
            with lock.for_read():
                assert lock.readers.value >= 2 and not lock.writer.value


def fill_slot_array(array: ringbuffer.SlotArray, results) -> None:
    """In a child: report what the parent wrote to slot 0, write the odd
    slots, and report the array's geometry."""
    try:
        seen = bytes(array[0])
        for i in range(1, len(array), 2):
            array[i] = b"child %d" % i
        results.put((seen, array.slot_bytes, len(array)))
    except BaseException as e:
        results.put((repr(e), None, None))


def read_through_readers(ring: ringbuffer.RingBuffer, results) -> None:
    """In a child: how many reader pointers the ring came with, and what the
    first one reads."""
    try:
        results.put((len(ring.readers), bytes(ring.try_read(ring.readers[0]))))
    except BaseException as e:
        results.put((repr(e), None))
