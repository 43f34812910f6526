#!/usr/bin/env python3
"""One writer process, reader processes, ctypes records: the seed library's
example_ctypes.py, written for shmring.

The writer fills a ctypes.Structure with up to 1000 random bytes and a
timestamp and offers it with `try_write()`: when the slowest reader is a
whole ring behind it drops that record (shmring.Full) and goes on, as the
seed's example did. Every reader gets every record that was written, read
straight into a Record of its own with `read_into()`, and checks it.

    python3 examples/example_ctypes.py [--records 1000] [--readers 2]
"""

import argparse
import ctypes
import multiprocessing
import os
import sys
import random
import time
import zlib

import shmring


def say(line: str) -> None:
    """Print a line in one write, so that lines of processes never mix."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Record(ctypes.Structure):
    _fields_ = [
        ("write_number", ctypes.c_uint),
        ("timestamp_microseconds", ctypes.c_ulonglong),
        ("length", ctypes.c_uint),
        ("crc32", ctypes.c_uint),
        ("data", ctypes.c_ubyte * 1000),
    ]


def writer(ring: shmring.Ring, start: int, count: int, results) -> None:
    written = 0
    with ring.writer() as w:
        for i in range(start, start + count):
            data = os.urandom(random.randint(1, 1000))
            record = Record(write_number=i, timestamp_microseconds=time.time_ns() // 1000,
                            length=len(data), crc32=zlib.crc32(data))
            record.data[:len(data)] = data
            try:
                w.try_write(record)  # the structure's bytes, copied once
            except shmring.Full:
                say(f"Reader is too slow, dropping {i}")
                continue
            written += 1
            if i and i % 100 == 0:
                say(f"Wrote {i} so far")
    say("Writer is done")
    results.put(("writer", written))


def reader(ring: shmring.Ring, number: int, ready, results) -> None:
    record = Record()
    count, last = 0, -1
    with ring.reader() as r:
        ready.put(number)
        while True:
            try:
                r.read_into(record)
            except shmring.Closed:
                break
            data = bytes(record.data[:record.length])
            assert zlib.crc32(data) == record.crc32, f"record {record.write_number} altered"
            assert record.write_number > last, "records out of order"
            last = record.write_number
            count += 1
            if record.write_number % 100 == 0:
                say(f"Reader {number} saw record {record.write_number} at timestamp "
                      f"{record.timestamp_microseconds} with {record.length} bytes")
    say(f"Reader {number} is done")
    results.put((number, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()

    name = f"/example-ctypes-{os.getpid()}"
    with shmring.Ring.create(name, slot_bytes=50000, slot_count=16) as ring:
        try:
            ready, results = multiprocessing.Queue(), multiprocessing.Queue()
            processes = [multiprocessing.Process(target=reader, args=(ring, i, ready, results))
                         for i in range(args.readers)]
            for p in processes:
                p.start()
            for _ in range(args.readers):  # readers get what is written after they join
                ready.get(timeout=60)
            processes.append(multiprocessing.Process(
                target=writer, args=(ring, 1, args.records, results)))
            processes[-1].start()
            reports = dict(results.get(timeout=300) for _ in processes)
            for p in processes:
                p.join(timeout=60)
                assert p.exitcode == 0, f"{p.name} exited with {p.exitcode}"
        finally:
            ring.unlink()
    written = reports.pop("writer")
    assert list(reports.values()) == [written] * args.readers, (written, reports)
    print(f"{args.readers} readers got all {written} records written "
          f"({args.records - written} dropped)")


if __name__ == "__main__":
    main()
