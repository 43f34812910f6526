#!/usr/bin/env bash
# bench/build.sh BINDIR: builds the native benchmarks (bench/README.md) and
# puts shmring-bench-c, shmring-bench-limits, shmring-bench-rust and
# shmring-bench-go in BINDIR, for `python -m shmring_bench --native-bin BINDIR`.
#
# Each binary carries its own copy of the C core, compiled the way its
# language builds it: Bazel -c opt (-O2, -DNDEBUG), cargo --release (cc
# crate: -O3), go build (cgo: -O2).
set -euo pipefail
if (($# != 1)); then
  echo "usage: bench/build.sh BINDIR" >&2
  exit 2
fi
mkdir -p "$1"
bindir="$(cd "$1" && pwd)"
cd "$(dirname "$0")/.."
source scripts/lib/bazel.sh
for dir in "${HOME:-/root}/.cargo/bin" /root/.cargo/bin /usr/local/go/bin; do
  [[ -d "$dir" ]] && PATH="$PATH:$dir"
done

bz build --config=ci -c opt //bench/c:shmring-bench-c //bench/c:shmring-bench-limits
bazel_bin="$(bz info --config=ci -c opt bazel-bin 2>/dev/null)"
install -m 755 "$bazel_bin/bench/c/shmring-bench-c" "$bazel_bin/bench/c/shmring-bench-limits" "$bindir/"

(cd bindings/rust && cargo build --locked --release -p shmring-bench-rust)
target_dir="$(cd bindings/rust && cargo metadata --locked --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
install -m 755 "$target_dir/release/shmring-bench-rust" "$bindir/"

(cd bench/go && go build -o "$bindir/shmring-bench-go" .)
echo "built in $bindir: $(cd "$bindir" && echo shmring-bench-*)"
