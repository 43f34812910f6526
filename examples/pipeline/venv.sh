#!/usr/bin/env bash
# examples/pipeline/venv.sh -- prints the path of the Python interpreter the
# pipeline runs with: a venv at ${SHMRING_CACHE_DIR:-~/.cache/shmring}/venv-pipeline
# holding `pip install ./bindings/python` of this checkout and the pipeline's
# packages (OpenCV, scikit-learn, matplotlib, rich; pytest for its test).
# Made once; the binding is installed again whenever its sources (c/src,
# c/include, bindings/python) change, which a hash of them kept in the venv
# tells. pip's output goes to stderr.
#   PYTHON=python3.x      the interpreter to make the venv with (default python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
CACHE="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/shmring}"
VENV="$CACHE/venv-pipeline"
PACKAGES=(opencv-python-headless scikit-learn matplotlib rich pytest)

if [[ ! -x "$VENV/bin/python" ]]; then
  mkdir -p "$CACHE"
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PACKAGES[@]}" >&2 \
    || { rm -rf "$VENV"; echo "venv.sh: pip install ${PACKAGES[*]} failed" >&2; exit 1; }
fi

hash="$(
  cd "$ROOT"
  find c/src c/include bindings/python -type f \
    -not -path 'bindings/python/tests/*' -not -path 'bindings/python/build/*' \
    -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -not -name 'shmring_wrap.c' \
    -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
)"
if [[ "$(cat "$VENV/.shmring-sources" 2>/dev/null)" != "$hash" ]]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
    "$ROOT/bindings/python" >&2 || { echo "venv.sh: pip install ./bindings/python failed" >&2; exit 1; }
  echo "$hash" >"$VENV/.shmring-sources"
fi
echo "$VENV/bin/python"
