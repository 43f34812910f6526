#!/usr/bin/env bash
# The C bench and the limits, short: every line ok with a positive rate; and
# with one corrupted message (the SHMRING_BENCH_CORRUPT hook) the bench must
# say FAILED and exit 1. No timing is asserted.
set -u
bench="$(realpath "$1")" limits="$(realpath "$2")" check="$(realpath "$3")"
cd "${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }

"$bench" --duration 0.2 > ok.jsonl || fail "bench exit $?"
python3 "$check" --expect ok < ok.jsonl || fail "bench rows"
"$limits" --duration 0.1 > limits.jsonl || fail "limits exit $?"
python3 "$check" --expect ok < limits.jsonl || fail "limits rows"
for workload in 64B 64B-batch 1080p; do
  if SHMRING_BENCH_CORRUPT=5 "$bench" --duration 0.2 --workloads "$workload" > bad.jsonl; then
    fail "$workload: a corrupted message was not detected (exit 0)"
  fi
  python3 "$check" --expect failed < bad.jsonl || fail "$workload: corrupted rows"
done
echo "bench/c smoke: every row ok; a corrupted message fails each workload"
