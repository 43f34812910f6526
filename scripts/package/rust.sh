#!/usr/bin/env bash
# scripts/package/rust.sh OUT: shmring-sys-V.crate and shmring-V.crate, each
# verified by cargo package (built from the packaged files alone; shmring
# against the packaged shmring-sys through cargo's temporary registry), then
# `cargo publish --dry-run` of shmring-sys (shmring's dry run needs shmring-sys
# on crates.io first). Prints one "artifact: PATH" line per crate.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/package/tools.sh"
for dir in "${HOME:-/root}/.cargo/bin" /usr/local/go/bin; do PATH="$PATH:$dir"; done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PKG_CACHE/../cargo-target}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/bindings/rust/Cargo.toml" | head -1)"

cd "$ROOT/bindings/rust"
# cargo package verifies shmring against the packaged shmring-sys through a
# temporary local registry (named "-<hash>" under $CARGO_HOME/registry), and
# reuses a crate of the same version unpacked there by an earlier run: drop
# those copies, or a changed shmring-sys of an unchanged version goes unseen.
cargo_home="${CARGO_HOME:-${HOME:-/root}/.cargo}"
for crate in shmring-sys shmring; do
  rm -rf "$cargo_home"/registry/src/-*/"$crate-$version" "$cargo_home"/registry/cache/-*/"$crate-$version.crate"
done
# ... and its own package directory, whose tmp-registry may still hold the
# same-version crate of another checkout that shares this target directory.
rm -rf "$CARGO_TARGET_DIR/package"
# --allow-dirty: the sync check, not git, says whether the vendored core is current.
cargo package --locked --allow-dirty -p shmring-sys -p shmring >"$PKG_CACHE/cargo-package.log" 2>&1 ||
  { cat "$PKG_CACHE/cargo-package.log" >&2; exit 1; }
cargo publish --dry-run --locked --allow-dirty -p shmring-sys >"$PKG_CACHE/cargo-publish.log" 2>&1 ||
  { cat "$PKG_CACHE/cargo-publish.log" >&2; exit 1; }
for crate in shmring-sys shmring; do
  cp "$CARGO_TARGET_DIR/package/$crate-$version.crate" "$OUT/"
  say "$OUT/$crate-$version.crate"
done
