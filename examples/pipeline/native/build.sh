#!/usr/bin/env bash
# build.sh BINDIR: builds the pipeline's native stages (the Rust
# pipeline-stats and the Go pipeline-liveview) and installs them into BINDIR
# (examples/pipeline/PROTOCOL.md). Exits non-zero on any failure.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 BINDIR" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
mkdir -p "$1"
bindir="$(cd "$1" && pwd)"

# The toolchains where scripts/lib/bindings.sh finds them; cargo shares that
# cache dir's target so the bindgen build is done once.
for dir in "${HOME:-/root}/.cargo/bin" /root/.cargo/bin /usr/local/go/bin; do
  [[ -d "$dir" && ":$PATH:" != *":$dir:"* ]] && PATH="$PATH:$dir"
done
export PATH
cache="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/shmring}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/cargo-target}"

for tool in cargo go; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (PATH, ~/.cargo/bin, /usr/local/go/bin)" >&2; exit 1; }
done

(cd "$root/bindings/rust" && cargo build --release --locked -p pipeline-stats)
install -m 755 "$CARGO_TARGET_DIR/release/pipeline-stats" "$bindir/pipeline-stats"

(cd "$root/examples/pipeline/liveview" && go build -o "$bindir/pipeline-liveview" .)

echo "built $bindir/pipeline-stats and $bindir/pipeline-liveview"
