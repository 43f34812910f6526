#!/usr/bin/env bash
# scripts/package/go.sh OUT: the Go module github.com/shmring/shmring/bindings/go
# at the C core's version, as its module zip (golang.org/x/mod/zip, the go
# command's own rules) in a file-system module proxy OUT/goproxy, so that
# GOPROXY=file://OUT/goproxy serves it as a release tag would. The module
# carries the C core (bindings/go/c, scripts/sync-vendored.sh). Prints one
# "artifact: PATH" line (the zip).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/package/tools.sh"
PATH="$PATH:/usr/local/go/bin"
module="$(sed -n 's/^module //p' "$ROOT/bindings/go/go.mod")"
version="v$(sed -n 's/^const ModuleVersion = "\(.*\)"/\1/p' "$ROOT/bindings/go/version.go")"

(cd "$ROOT/scripts/package/gomodzip" && go build -o "$PKG_CACHE/gomodzip" .)
rm -rf "$OUT/goproxy"
zip="$("$PKG_CACHE/gomodzip" "$ROOT/bindings/go" "$module" "$version" "$OUT/goproxy")"
say "$zip"
