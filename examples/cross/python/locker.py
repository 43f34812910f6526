"""The Python program of the cross-language rwlock check (tests/cross/README.md).

locker NAME (--shared|--exclusive) --timeout MS [--create] [--busy]
       [--ready FILE] [--wait-shared N] [--until FILE]
"""

import argparse
import os
import sys
import time

import shmring


def wait_file(path: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"locker python: {path} did not appear in {seconds:.0f} s")
        time.sleep(0.005)


def main() -> int:
    parser = argparse.ArgumentParser(prog="locker")
    parser.add_argument("name")
    kind_group = parser.add_mutually_exclusive_group(required=True)
    kind_group.add_argument("--shared", action="store_true")
    kind_group.add_argument("--exclusive", action="store_true")
    parser.add_argument("--timeout", type=int, required=True, help="milliseconds")
    parser.add_argument("--create", action="store_true")
    parser.add_argument("--busy", action="store_true",
                        help="expect a timeout, and the lock held exclusively")
    parser.add_argument("--ready")
    parser.add_argument("--until")
    parser.add_argument("--wait-shared", type=int, default=0)
    args = parser.parse_args()
    kind = "exclusive" if args.exclusive else "shared"
    lock = (shmring.RWLock.create(args.name) if args.create
            else shmring.RWLock.open(args.name, timeout=10.0))
    acquire = lock.acquire_write if args.exclusive else lock.acquire_read
    start = time.monotonic()
    try:
        acquire(timeout=args.timeout / 1000)
        timed_out = False
    except shmring.Timeout:
        timed_out = True
    waited_ms = (time.monotonic() - start) * 1000
    if args.busy:
        if not timed_out or waited_ms < args.timeout or not lock.writer:
            sys.exit(f"locker python: {kind} hold: timed out {timed_out} after "
                     f"{waited_ms:.0f} ms (want a timeout after {args.timeout} ms); "
                     f"state: {lock.readers} shared, exclusive {lock.writer}")
        lock.close()
        print(f"locker python: {kind} hold busy for {waited_ms:.0f} ms, lock held exclusively")
        return 0
    if timed_out:
        sys.exit(f"locker python: no {kind} hold within {args.timeout} ms")
    deadline = time.monotonic() + 10
    while lock.readers < args.wait_shared:
        if time.monotonic() > deadline:
            sys.exit(f"locker python: {lock.readers} shared holds after 10 s, "
                     f"want {args.wait_shared}")
        time.sleep(0.005)
    if args.ready:
        open(args.ready, "w").close()
    if args.until:
        wait_file(args.until, 30)
    (lock.release_write if args.exclusive else lock.release_read)()
    lock.close()
    print(f"locker python: {kind} hold taken after {waited_ms:.0f} ms, released")
    return 0


if __name__ == "__main__":
    sys.exit(main())
