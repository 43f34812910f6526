#!/usr/bin/env bash
# Rewrite c/abi/libshmring.so.1.abi from the library as built now. Only for a
# deliberate ABI change: see README.md, "Changing the ABI".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
# shellcheck source=lib/bazel.sh
source "$ROOT/scripts/lib/bazel.sh"
bz build --config=ci //c:libshmring.so.1
abidw --no-corpus-path --no-comp-dir-path --no-show-locs \
  --headers-dir c/include bazel-bin/c/libshmring.so.1 >c/abi/libshmring.so.1.abi
echo "wrote c/abi/libshmring.so.1.abi"
