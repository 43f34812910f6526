#!/usr/bin/env bash
# Short coverage-guided run of fuzz_open.c with libFuzzer (clang-14), part of
# the test suite; a longer run: FUZZ_SECONDS=600 bash c/fuzz/run_fuzz.sh.
# Fails on any crash, sanitizer report, leak or hang (-timeout).
set -u
seconds="${FUZZ_SECONDS:-15}"
# Bazel runs this from the runfiles tree; by hand, from the checkout.
if [[ -n "${TEST_SRCDIR:-}" ]]; then
  cd "$TEST_SRCDIR/$TEST_WORKSPACE"
else
  cd "$(dirname "$0")/../.."
fi
clang="$(command -v clang-14 || command -v clang)" || {
  echo "FAIL: clang-14 not found (scripts/install-deps.sh installs it)"; exit 1; }
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/fuzz.XXXXXX")"
trap 'rm -rf "$work"; rm -f /dev/shm/shmring-fuzz-*' EXIT
"$clang" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=all -Ic/include c/fuzz/fuzz_open.c c/src/*.c \
  -o "$work/fuzz_open" || { echo "FAIL: cannot build the fuzz target"; exit 1; }
mkdir -p "$work/corpus"
# Seeds: a valid ring of each small shape, unedited (odd first byte).
for shape in 01 03 05 07; do
  printf "\\x$shape\\x10\\x01\\x41\\x02" >"$work/corpus/seed-$shape"
done
"$work/fuzz_open" -max_total_time="$seconds" -timeout=10 -max_len=4096 \
  -seed=1 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
  >"$work/log" 2>&1
rc=$?
if ((rc != 0)); then
  grep -v '^#[0-9]' "$work/log" | tail -n 80
  echo "FAIL: libFuzzer exited $rc; the input that failed is printed above (Base64)"
  exit 1
fi
grep -E '^(Done|stat::)' "$work/log"
echo "fuzz_open: no crash in ${seconds} s"
