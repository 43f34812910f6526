"""The Python reader of the cross-language tests (tests/cross/README.md).

consumer NAME --writers W1,W2,... --count N [--group G] [--report FILE]
consumer NAME --info
"""

import argparse
import sys

import shmring

import message

WAIT = 30.0


def print_info(ring: shmring.Ring) -> None:
    print(f"slot_bytes={ring.slot_bytes} slot_count={ring.slot_count} "
          f"max_writers={ring.max_writers} max_readers={ring.max_readers} "
          f"max_groups={ring.max_groups} layout_version={ring.layout_version} "
          f"segment_bytes={ring.segment_bytes} version=0x{shmring.library_version():06x}")


def consume(reader: shmring.Reader, checker: message.Checker) -> None:
    """Reads (alternating copies and zero-copy views) and checks every
    message until end of stream."""
    n = 0
    while True:
        try:
            if n % 2 == 0:
                checker.check(reader.read(timeout=WAIT))
            else:
                with reader.peek(timeout=WAIT) as m:
                    checker.check(m)
        except shmring.Closed:
            break
        except ValueError as e:
            raise ValueError(f"message {checker.messages}: {e}") from None
        n += 1
    try:
        reader.try_read()
    except shmring.Closed:
        return
    raise ValueError("the stream ended, then did not stay ended")


def main() -> int:
    parser = argparse.ArgumentParser(prog="consumer python")
    parser.add_argument("name")
    parser.add_argument("--info", action="store_true")
    parser.add_argument("--writers", default="0")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--group")
    parser.add_argument("--report")
    args = parser.parse_args()

    with shmring.Ring.open(args.name, timeout=10) as ring:
        if args.info:
            print_info(ring)
            return 0
        writers = [int(w) for w in args.writers.split(",")]
        report = open(args.report, "wb") if args.report else None
        try:
            checker = message.Checker(ring.slot_bytes, args.count, writers, report)
            with ring.reader(group=args.group) as reader:
                consume(reader, checker)
                if args.group is None:
                    checker.check_complete()
        finally:
            if report is not None:
                report.close()
    where = f" in group {args.group}" if args.group else ""
    print(f"consumer python{where}: {checker.messages} messages checked, end of stream")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (shmring.Error, ValueError) as e:
        sys.exit(f"consumer python: {type(e).__name__}: {e}")
