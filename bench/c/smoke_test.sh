#!/usr/bin/env bash
# The C bench and the limits, short: every line ok with a positive rate; and
# with one corrupted message (the SHMRING_BENCH_CORRUPT hook) each workload's
# row must say it injected the fault and FAILED, and the bench exit 1. The
# writer writes past the corrupted message whatever --duration says, so no
# outcome depends on the machine's speed; no timing is asserted.
set -u
bench="$(realpath "$1")" limits="$(realpath "$2")" check="$(realpath "$3")"
cd "${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }

"$bench" --duration 0.2 > ok.jsonl || fail "bench exit $?"
python3 "$check" --expect ok < ok.jsonl || fail "bench rows"
"$limits" --duration 0.1 > limits.jsonl || fail "limits exit $?"
python3 "$check" --expect ok < limits.jsonl || fail "limits rows"
for workload in 64B 64B-batch 1080p; do
  SHMRING_BENCH_CORRUPT=5 "$bench" --duration 0.2 --workloads "$workload" > bad.jsonl
  status=$?
  # check_rows asserts injected >= 1 before it asserts the fault was caught.
  python3 "$check" --expect failed < bad.jsonl || fail "$workload: corrupted rows"
  [[ $status == 1 ]] || fail "$workload: a corrupted message: exit $status, not 1"
done
echo "bench/c smoke: every row ok; a corrupted message is injected and fails each workload"
