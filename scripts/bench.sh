#!/usr/bin/env bash
# scripts/bench.sh [bench flags...]: regenerate docs/benchmarks.md's results
# and docs/benchmarks.png in one command. Makes a venv in the cache dir with
# the Python binding, the harness (bench/python) and the peers (faster-fifo,
# pyzmq, matplotlib; iceoryx2 if it installs); builds the native benchmark programs (bench/build.sh),
# runs the full benchmark with them, --json and --markdown, renders the
# chart and rewrites the results section (targets and the fractions of the
# machine's limits measured from the JSON).
# Extra flags go to python -m shmring_bench (e.g. --duration 0.5).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${SHMRING_CACHE_DIR:-$HOME/.cache/shmring}"
venv="$cache/bench-venv"
out="$cache/bench-results"
mkdir -p "$cache" "$out"

[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q ./bindings/python faster-fifo pyzmq matplotlib
# The harness is a package of its own (bench/python), not part of shmring's wheel.
"$venv/bin/pip" install -q ./bench/python
"$venv/bin/pip" install -q iceoryx2 ||
  echo "bench.sh: iceoryx2 did not install; its rows will say skipped" >&2

# The native programs (C, Rust, Go, machine limits), run beside the Python cells.
bash bench/build.sh "$out/bin"
# The bridge rows (docs/bridge.md) run shmring-bridge over loopback TCP.
# shellcheck source=lib/bazel.sh
source scripts/lib/bazel.sh
bz build //tools/bridge:shmring-bridge >&2
cp bazel-bin/tools/bridge/shmring-bridge "$out/bin/shmring-bridge"
export SHMRING_BRIDGE_BIN="$out/bin/shmring-bridge"

status=0
# Run outside the checkout so that the venv's installed package is the one imported.
(cd "$out" && "$venv/bin/python" -m shmring_bench --native-bin "$out/bin" \
  --json "$out/results.json" --markdown "$out/results.md" "$@") || status=$?
"$venv/bin/python" -m shmring_bench.chart "$out/results.json" docs/benchmarks.png
"$venv/bin/python" -m shmring_bench.doc "$out/results.json" "$out/results.md" docs/benchmarks.md
echo "bench.sh: docs/benchmarks.md and docs/benchmarks.png rewritten from $out/results.json" >&2
exit "$status"
