#!/usr/bin/env bash
# The benchmark as a test: a --quick run of every case across processes must
# verify every message (exit 0) and inject no fault; a run with
# --inject-fault must first say it injected the fault (each writer writes
# past message BENCH_FAULT_AT whatever the window, so this holds on any
# machine), then catch it (errors, exit 1). No timing is asserted.
set -u
bench="$1"
out="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }

"$bench" --quick --named --no-limits > "$out/ok.md" || fail "quick run: exit $?"
grep -q "; 0 error(s) in [0-9]* case(s); 0 fault(s) injected\." "$out/ok.md" ||
  fail "quick run: $(grep '^Verification' "$out/ok.md")"

"$bench" --quick --no-limits --cases 1to1 --sizes 64 --inject-fault > "$out/bad.md"
status=$?
summary="$(grep '^Verification' "$out/bad.md")"
injected="$(sed -n 's/.*; \([0-9]*\) fault(s) injected\..*/\1/p' <<<"$summary")"
errors="$(sed -n 's/.*; \([0-9]*\) error(s) in .*/\1/p' <<<"$summary")"
[[ "$injected" =~ ^[0-9]+$ && $injected -ge 1 ]] ||
  fail "no fault injected, so nothing to catch: $summary"
[[ "$errors" =~ ^[0-9]+$ && $errors -ge $injected ]] ||
  fail "$injected fault(s) injected, not caught: $summary"
[[ $status == 1 ]] || fail "$injected fault(s) caught, but exit $status, not 1"
echo "bench smoke: every message verified; $injected injected fault(s) caught"
