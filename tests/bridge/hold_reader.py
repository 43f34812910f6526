"""A consumer that holds the ring back (tests/bridge/run.sh, back-pressure):
joins RING as a broadcast reader, reads nothing until the file RESUME
exists (so the ring fills and its writers wait), then reads everything
until end of stream and prints how many messages it got.

hold_reader.py RING RESUME [--timeout S]
"""

import argparse
import os
import sys
import time

import shmring


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ring")
    parser.add_argument("resume")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with shmring.Ring.open(args.ring, timeout=10) as ring, ring.reader() as reader:
        deadline = time.monotonic() + args.timeout
        while not os.path.exists(args.resume):
            if time.monotonic() > deadline:
                sys.exit("hold_reader: never told to resume")
            time.sleep(0.01)
        count = 0
        while True:
            try:
                reader.read(timeout=args.timeout)
            except shmring.Closed:
                break
            count += 1
    print(f"hold_reader: {count} messages after resuming")
    return 0


if __name__ == "__main__":
    sys.exit(main())
