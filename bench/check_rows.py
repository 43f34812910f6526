"""Checks the JSON lines of a native benchmark program (stdin) against the
row schema of bench/README.md. --expect ok: every row has status "ok", a
positive rate (and p50/p99 for ping-pong) and no injected fault.
--expect failed (a run with the SHMRING_BENCH_CORRUPT hook): every row first
injected at least one fault, then caught each: "FAILED: <injected> bad
messages". Exit status 1 on a mismatch, with the reason."""
import argparse
import json
import sys

KEYS = {"workload": str, "transport": str, "size": int, "writers": int, "readers": int,
        "msg_per_s": (int, float), "mb_per_s": (int, float), "status": str, "injected": int}


def problems(rows, expect):
    if not rows:
        yield "no rows"
    for row in rows:
        for key, kind in KEYS.items():
            if not isinstance(row.get(key), kind):
                yield f"{key} missing or mistyped in {row}"
        for key in ("p50_us", "p99_us"):
            if key not in row or not (row[key] is None or isinstance(row[key], (int, float))):
                yield f"{key} missing or mistyped in {row}"
        if expect == "ok":
            if row.get("status") != "ok" or not row.get("msg_per_s", 0) > 0:
                yield f"not ok: {row}"
            if row.get("workload") == "pingpong" and not (row.get("p50_us") or 0) > 0:
                yield f"no latency: {row}"
            if row.get("injected") != 0:
                yield f"a fault injected without the hook: {row}"
        if expect == "failed":
            injected = row.get("injected")
            if not isinstance(injected, int) or injected < 1:
                yield f"no fault injected, so nothing to catch: {row}"
            elif not str(row.get("status", "")).startswith(f"FAILED: {injected} bad messages"):
                yield f"{injected} injected fault(s) not caught: {row}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--expect", choices=["ok", "failed"], required=True)
    expect = p.parse_args().expect
    rows = [json.loads(line) for line in sys.stdin if line.strip()]
    found = list(problems(rows, expect))
    for problem in found:
        print(problem)
    print(f"{len(rows)} rows, expected {expect}: {'mismatch' if found else 'as expected'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
