#!/usr/bin/env bash
# scripts/package/python.sh OUT: the Python sdist, and from it one wheel per
# CPython 3.8 ... 3.13 (pyenv's), each built with Zig's C compiler against
# glibc 2.17 and stripped, then retagged manylinux2014 by `auditwheel repair`
# (which fails if the extension needs anything newer). Prints one
# "artifact: PATH" line per file.
#
# Per-version wheels, not abi3: the C glue (csrc/) uses the buffer protocol
# (Py_buffer, PyObject_GetBuffer, bf_getbuffer), in the limited API only
# from 3.11, and the sequence/list fast macros on the data path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/package/tools.sh"
PYTHONS=(3.8 3.9 3.10 3.11 3.12 3.13)
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-package-python.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The sdist, built from a copy so that nothing is written into the checkout.
cp -r "$ROOT/bindings/python" "$WORK/src"
find "$WORK/src" -name __pycache__ -prune -exec rm -rf {} +
"$TOOLS_PY" -m build --sdist --outdir "$WORK/sdist" "$WORK/src" >"$WORK/sdist.log" 2>&1 ||
  { cat "$WORK/sdist.log" >&2; exit 1; }
sdist="$(echo "$WORK"/sdist/shmring-*.tar.gz)"
cp "$sdist" "$OUT/"
say "$OUT/$(basename "$sdist")"

# Zig's cc for glibc 2.17. Python 3.8-3.10's Python.h includes <crypt.h>,
# which glibc no longer ships (libxcrypt does) and Zig has not: a one-line
# declaration stands in (the extension never calls crypt()).
mkdir -p "$WORK/shim"
echo 'char *crypt(const char *key, const char *salt);' >"$WORK/shim/crypt.h"
cat >"$WORK/zigcc" <<SH
#!/bin/sh
exec "$TOOLS_PY" -m ziglang cc -target x86_64-linux-gnu.2.17 -isystem "$WORK/shim" "\$@"
SH
chmod +x "$WORK/zigcc"

for version in "${PYTHONS[@]}"; do
  python="$(ls -d "$PYENV_ROOT"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V | tail -1)"
  [[ -x "$python" ]] || { echo "package/python: no CPython $version in $PYENV_ROOT/versions" >&2; exit 1; }
  # From the sdist, as an index's users would: proves the sdist builds.
  CC="$WORK/zigcc" LDSHARED="$WORK/zigcc -shared" SHMRING_STRIP=1 \
    "$python" -m pip wheel -q --no-deps -w "$WORK/raw-$version" "$sdist" >"$WORK/wheel-$version.log" 2>&1 ||
    { cat "$WORK/wheel-$version.log" >&2; exit 1; }
  "$TOOLS_PY" -m auditwheel repair --plat manylinux2014_x86_64 --only-plat \
    -w "$WORK/wheels" "$WORK"/raw-"$version"/shmring-*.whl >"$WORK/repair-$version.log" 2>&1 ||
    { cat "$WORK/repair-$version.log" >&2; exit 1; }
done
for wheel in "$WORK"/wheels/*.whl; do
  cp "$wheel" "$OUT/"
  say "$OUT/$(basename "$wheel")"
done
