#!/usr/bin/env bash
# The benchmark as a test: a --quick run of every case across processes must
# verify every message (exit 0), and a run with one corrupted message must
# be caught (exit non-zero). No timing is asserted.
set -u
bench="$1"
"$bench" --quick --named --no-limits || { echo "FAIL: quick run"; exit 1; }
if "$bench" --quick --no-limits --cases 1to1 --sizes 64 --inject-fault; then
  echo "FAIL: a corrupted message was not detected"
  exit 1
fi
echo "bench smoke: every message verified; an injected fault was caught"
