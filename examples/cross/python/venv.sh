#!/usr/bin/env bash
# examples/cross/python/venv.sh -- prints the path of a Python interpreter whose
# `import shmring` is `pip install ./bindings/python` of this checkout.
#
# The venv is cached under ~/.cache/shmring/cross-python/<hash>/, the hash
# being that of the sources pip builds (c/src, c/include, bindings/python
# without its tests) and of the interpreter: a run whose sources did not
# change reuses it, a change installs afresh. pip builds from a copy of those
# folders, so no build output lands in the checkout. Venvs of other hashes
# unused for 7 days are removed.
#   PYTHON=python3.x      the interpreter (default /usr/bin/python3, as
#                         tests/install/check_python_pip.sh)
#   SHMRING_CACHE_DIR     instead of ~/.cache/shmring
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
CACHE="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/shmring}/cross-python"

hash="$(
  cd "$ROOT"
  {
    "$PYTHON" -c 'import sys; print(sys.version)'
    echo numpy
    find c/src c/include bindings/python -type f \
      -not -path 'bindings/python/tests/*' -not -path 'bindings/python/build/*' \
      -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -not -path '*/.*' \
      -not -name 'shmring_wrap.c' \
      -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)"
venv="$CACHE/$hash"
if [[ ! -x "$venv/bin/python" ]]; then
  mkdir -p "$CACHE"
  work="$(mktemp -d "$CACHE/new.XXXXXX")"
  trap 'rm -rf "$work" "${tmp:-}"' EXIT
  mkdir -p "$work/src/bindings"
  cp -r "$ROOT/c" "$work/src/c"
  cp -r "$ROOT/bindings/python" "$work/src/bindings/python"
  rm -rf "$work/src/bindings/python/build" "$work/src/bindings/python/"*.egg-info \
         "$work/src/bindings/python/shmring_wrap.c" "$work/src/bindings/python/tests"
  # Built beside its final place, then published by renaming the folder, so
  # concurrent runs never see half a venv (bin/python still works once moved;
  # only the scripts' #! lines would not, and none is used).
  tmp="$venv.tmp.$$"
  "$PYTHON" -m venv "$tmp" >&2
  # NumPy for the array suite (arrays.py).
  "$tmp/bin/python" -m pip install -q --disable-pip-version-check "$work/src/bindings/python" numpy >&2 \
    || { rm -rf "$tmp"; exit 1; }
  mv -T "$tmp" "$venv" 2>/dev/null || rm -rf "$tmp"
fi
[[ -x "$venv/bin/python" ]] || { echo "no Python at $venv/bin/python" >&2; exit 1; }
touch "$venv/.used"
find "$CACHE" -mindepth 2 -maxdepth 2 -name .used -mtime +7 -printf '%h\0' 2>/dev/null \
  | xargs -0 -r rm -rf
echo "$venv/bin/python"
