"""Waits for a state the bridge tests order events by (tests/bridge/run.sh):
a bridge's --stats-file value, a log line, or a ring's statistics. Polls
with a hang guard; never a fixed sleep.

observe.py json FILE KEY (ge|eq) VALUE      the JSON file's KEY reaches VALUE
observe.py log FILE TEXT                    a line of FILE contains TEXT
observe.py readers RING N                   the ring has N readers in use
observe.py full RING                        a reader of the ring lags by the whole ring
                                            and a writer has slept for space
observe.py get FILE KEY                     prints KEY of the JSON file
Options: --timeout S (default 120). Exit 0 when reached, 1 on timeout.
"""

import argparse
import json
import sys
import time


def json_value(path, key):
    try:
        with open(path) as f:
            return json.load(f).get(key)
    except (OSError, ValueError):
        return None


def log_has(path, text):
    try:
        with open(path, errors="replace") as f:
            return any(text in line for line in f)
    except OSError:
        return False


def ring_stats(name):
    import shmring  # only the ring commands need the binding (the cross venv)
    try:
        with shmring.Ring.open(name, timeout=0) as ring:
            return ring.slot_count, ring.stats()
    except shmring.Error:
        return None, None


def ring_full(name):
    slots, stats = ring_stats(name)
    if stats is None:
        return False
    lagging = any(r.lag >= slots for r in stats.reader_stats)
    waited = any(w.waits > 0 for w in stats.writer_stats)
    return lagging and waited


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["json", "log", "readers", "full", "get"])
    parser.add_argument("args", nargs="+")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    a = args.args
    if args.what == "get":
        print(json_value(a[0], a[1]))
        return 0
    if args.what == "json":
        path, key, op, want = a[0], a[1], a[2], int(a[3])
        check = lambda: (lambda v: v is not None and (v >= want if op == "ge" else v == want))(
            json_value(path, key))
        describe = lambda: f"{path}: {key} = {json_value(path, key)}, want {op} {want}"
    elif args.what == "log":
        check = lambda: log_has(a[0], a[1])
        describe = lambda: f"{a[0]}: no line contains {a[1]!r}"
    elif args.what == "readers":
        check = lambda: (lambda s: s is not None and s.readers >= int(a[1]))(ring_stats(a[0])[1])
        describe = lambda: f"{a[0]}: fewer than {a[1]} readers"
    else:
        check = lambda: ring_full(a[0])
        describe = lambda: f"{a[0]}: never full: {ring_stats(a[0])[1]}"
    deadline = time.monotonic() + args.timeout
    while not check():
        if time.monotonic() > deadline:
            print(f"observe: timed out after {args.timeout:.0f} s: {describe()}", file=sys.stderr)
            return 1
        time.sleep(0.01)
    return 0


if __name__ == "__main__":
    sys.exit(main())
