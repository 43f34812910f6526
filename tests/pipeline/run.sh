#!/usr/bin/env bash
# tests/pipeline/run.sh -- the video pipeline (issue #7) as the README's first
# command runs it, in short: examples/pipeline/tests under pytest in the
# pipeline's venv (examples/pipeline/venv.sh), with the Rust and Go stages
# built by examples/pipeline/native/build.sh. A few-second run checked output
# by output, bad input, a killed stage, Ctrl-C, and --transport queue.
#
# Last line: "pipeline: N passed, N failed" (pytest's counts; a venv or build
# that fails counts as 1 failed). Exit 0 only if everything passed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/shmring}"
LOG="$(mktemp "${TMPDIR:-/tmp}/shmring-pipeline-test.XXXXXX")"
trap 'rm -f "$LOG"' EXIT

broken() {
  echo "FAIL: $*" >&2
  echo "pipeline: 0 passed, 1 failed"
  exit 1
}

PY="$(bash "$ROOT/examples/pipeline/venv.sh")" || broken "examples/pipeline/venv.sh"
export SHMRING_PIPELINE_BIN="$CACHE/pipeline/bin"
bash "$ROOT/examples/pipeline/native/build.sh" "$SHMRING_PIPELINE_BIN" || broken "native/build.sh"

echo "==> pytest examples/pipeline/tests"
"$PY" -m pytest -q -p no:cacheprovider "$ROOT/examples/pipeline/tests" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
# shellcheck source=../../scripts/lib/pytest_summary.sh
source "$ROOT/scripts/lib/pytest_summary.sh"
pytest_summary "pipeline" "$LOG" "$rc"
(( rc == 0 ))
