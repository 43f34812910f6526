"""The Python writer of the cross-language tests (tests/cross/README.md).

producer NAME --id W --count N [--create SLOT_BYTES SLOT_COUNT] [--readers R] [--writers K]
"""

import argparse
import sys
import time

import shmring

import message

WAIT = 30.0


def wait_for_participants(ring: shmring.Ring, readers: int, writers: int) -> None:
    ring.wait_for_readers(readers, timeout=WAIT)  # woken by the joins, any language's
    deadline = time.monotonic() + WAIT
    while True:
        stats = ring.stats()
        have_readers, have_writers = stats.readers, stats.writers_joined
        if have_readers >= readers and have_writers >= writers:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{have_readers} readers and {have_writers} writers after "
                               f"{WAIT:.0f} s, want {readers} and {writers}")
        time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser(prog="producer python")
    parser.add_argument("name")
    parser.add_argument("--id", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--create", type=int, nargs=2, metavar=("SLOT_BYTES", "SLOT_COUNT"))
    parser.add_argument("--readers", type=int, default=0)
    parser.add_argument("--writers", type=int, default=1)
    args = parser.parse_args()

    if args.create:
        ring = shmring.Ring.create(args.name, slot_bytes=args.create[0],
                                   slot_count=args.create[1])
    else:
        ring = shmring.Ring.open(args.name, timeout=10)
    with ring:
        with ring.writer() as writer:
            wait_for_participants(ring, args.readers, args.writers)
            slot = ring.slot_bytes
            buffer = bytearray(slot)
            for s in range(args.count):
                n = message.length(args.id, s, slot)
                if s % 2 == 0:  # by copy
                    message.encode_into(buffer, args.id, s, n)
                    writer.write(memoryview(buffer)[:n], timeout=WAIT)
                else:  # in place
                    with writer.reserve(n, timeout=WAIT) as place:
                        message.encode_into(place, args.id, s, n)
    print(f"producer python: wrote {args.count} messages as writer {args.id}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (shmring.Error, RuntimeError) as e:
        sys.exit(f"producer python: {type(e).__name__}: {e}")
