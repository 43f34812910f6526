#!/usr/bin/env python3
"""One writer process, several reader processes, NumPy matrices: the seed
library's example_numpy.py, written for shmring.

The writer sends matrices of 25 x 100 float64 (20000 bytes each); every
reader gets every one of them, copied into a reusable array of its own
(mutable), and checks it. `write()` waits while the slowest reader is a
whole ring behind, so nothing is dropped.

    python3 examples/example_numpy.py [--matrices 10000] [--readers 10]
"""

import argparse
import multiprocessing
import os
import sys

import numpy

import shmring

ROWS, COLS = 25, 100


def say(line: str) -> None:
    """Print a line in one write, so that lines of processes never mix."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def matrix(number: int) -> numpy.ndarray:
    """Matrix `number`: random values from a seed, its number in [0, 0]."""
    m = numpy.random.default_rng(number).standard_normal((ROWS, COLS))
    m[0, 0] = number
    return m


def writer(ring: shmring.Ring, count: int) -> None:
    with ring.writer() as w:
        for i in range(count):
            w.write(matrix(i))  # any buffer: the array's bytes, copied once
            if i and i % 1000 == 0:
                say(f"Wrote {i} so far")
    # Leaving the block ends the stream: it was the last writer.
    say("Writer is done")


def reader(ring: shmring.Ring, number: int, ready, results) -> None:
    m = numpy.empty((ROWS, COLS))  # each message is copied into this array
    count = 0
    with ring.reader() as r:
        ready.put(number)
        while True:
            try:
                r.read_into(m)
            except shmring.Closed:  # end of stream, everything read
                break
            assert (m == matrix(count)).all(), f"reader {number}: matrix {count} differs"
            m[1, 1] = 1.1  # verify it's mutable
            numpy.linalg.norm(m)
            count += 1
    say(f"Reader {number} is done: {count} matrices")
    results.put(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matrices", type=int, default=10000)
    parser.add_argument("--readers", type=int, default=10)
    args = parser.parse_args()

    name = f"/example-numpy-{os.getpid()}"
    with shmring.Ring.create(name, slot_bytes=50000, slot_count=128) as ring:
        try:
            ready, results = multiprocessing.Queue(), multiprocessing.Queue()
            readers = [multiprocessing.Process(target=reader, args=(ring, i, ready, results))
                       for i in range(args.readers)]
            for p in readers:
                p.start()
            for _ in readers:  # readers get what is written after they join
                ready.get(timeout=60)
            processes = readers + [multiprocessing.Process(target=writer,
                                                           args=(ring, args.matrices))]
            processes[-1].start()
            counts = [results.get(timeout=300) for _ in readers]
            for p in processes:
                p.join(timeout=60)
                assert p.exitcode == 0, f"{p.name} exited with {p.exitcode}"
        finally:
            ring.unlink()
    assert counts == [args.matrices] * args.readers, counts
    print(f"{args.readers} readers got all {args.matrices} matrices")


if __name__ == "__main__":
    main()
