#!/usr/bin/env bash
# scripts/regenerate-rust-bindings.sh: rewrite bindings/rust/shmring-sys/src/bindings.rs
# from the header with bindgen (needs libclang), after changing c/include/shmring.h
# and running scripts/sync-vendored.sh. Commit the result; the crate's test
# `committed_bindings_are_what_bindgen_generates` (feature bindgen) checks it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/bindings/rust"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${SHMRING_CACHE_DIR:-$HOME/.cache/shmring}/cargo-target}"
out="$(cargo build -p shmring-sys --features bindgen --message-format=json |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and m["package_id"].split("#")[0].endswith("shmring-sys"):
        print(m["out_dir"])' | tail -1)"
[[ -f "$out/bindings.rs" ]] || { echo "regenerate-rust-bindings: bindgen produced nothing (is libclang installed?)" >&2; exit 1; }
cp "$out/bindings.rs" shmring-sys/src/bindings.rs
echo "regenerate-rust-bindings: wrote bindings/rust/shmring-sys/src/bindings.rs"
