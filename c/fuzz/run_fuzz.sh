#!/usr/bin/env bash
# Short coverage-guided run of a libFuzzer target (clang-14), part of the
# test suite: c/fuzz/TARGET.c, TARGET the first argument (default fuzz_open;
# fuzz_array: the array message decoder). A longer run:
# FUZZ_SECONDS=600 bash c/fuzz/run_fuzz.sh [TARGET].
# Fails on any crash, sanitizer report, leak or hang (-timeout).
set -u
seconds="${FUZZ_SECONDS:-15}"
target="${1:-fuzz_open}"
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
  -fno-sanitize-recover=all -Ic/include "c/fuzz/$target.c" c/src/*.c \
  -o "$work/$target" || { echo "FAIL: cannot build the fuzz target $target"; exit 1; }
mkdir -p "$work/corpus"
# Seeds: a valid ring (fuzz_open: slot bytes, slot count, readers, groups) or
# array message (fuzz_array: type, ndim, extents, user bytes) of a few small
# shapes, unedited (odd first byte).
for shape in 01 03 05 07; do
  if [[ "$target" == fuzz_array ]]; then
    printf "\\x01\\x$shape\\x03\\x02\\x03\\x04\\x01\\x10" >"$work/corpus/seed-$shape"
  else
    printf "\\x$shape\\x10\\x01\\x41\\x02" >"$work/corpus/seed-$shape"
  fi
done
"$work/$target" -max_total_time="$seconds" -timeout=10 -max_len=4096 \
  -seed=1 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
  >"$work/log" 2>&1
rc=$?
if ((rc != 0)); then
  grep -v '^#[0-9]' "$work/log" | tail -n 80
  echo "FAIL: libFuzzer exited $rc; the input that failed is printed above (Base64)"
  exit 1
fi
grep -E '^(Done|stat::)' "$work/log"
echo "$target: no crash in ${seconds} s"
