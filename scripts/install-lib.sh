#!/usr/bin/env bash
# Build the C library with Bazel and install it:
#   PREFIX/lib/libshmring.so.1          (SONAME libshmring.so.1)
#   PREFIX/lib/libshmring.so -> libshmring.so.1
#   PREFIX/lib/libshmring.a
#   PREFIX/include/shmring.h
#   PREFIX/lib/pkgconfig/shmring.pc
#
# Usage: scripts/install-lib.sh [PREFIX]      (default /usr/local)
#   DESTDIR=/staging scripts/install-lib.sh /usr    for packaging
#   SHMRING_NO_BUILD=1  install what is already in bazel-bin (no bazel call)
#   SHMRING_PC_PREFIX='${pcfiledir}/../..'   the prefix written into shmring.pc
#                       (default PREFIX; this one makes a relocatable tree)
# Extra Bazel flags can be passed in BAZEL_FLAGS (e.g. BAZEL_FLAGS="--config=ci").
set -euo pipefail

PREFIX="${1:-/usr/local}"
LIBDIR_NAME="${LIBDIR_NAME:-lib}"
DESTDIR="${DESTDIR:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/bazel.sh
source "$ROOT/scripts/lib/bazel.sh"

case "$PREFIX" in
  /*) ;;
  *) echo "install-lib: PREFIX must be an absolute path, got '$PREFIX'" >&2; exit 2 ;;
esac

read -r -a EXTRA <<<"${BAZEL_FLAGS:-}"
if [[ -z "${SHMRING_NO_BUILD:-}" ]]; then
  bz build "${EXTRA[@]}" //c:libshmring.so.1 //c:libshmring_a
fi
BIN="$(bz info "${EXTRA[@]}" bazel-bin 2>/dev/null)"

SO="$BIN/c/libshmring.so.1"
AR="$BIN/c/libshmring.a"
HDR="$ROOT/c/include/shmring.h"
for f in "$SO" "$AR" "$HDR" "$ROOT/c/shmring.pc.in"; do
  [[ -f "$f" ]] || { echo "install-lib: missing $f" >&2; exit 1; }
done

# Version from the public header.
ver_part() { sed -n "s/^#define[[:space:]]\{1,\}SHMRING_VERSION_$1[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" "$HDR" | head -1; }
MAJ="$(ver_part MAJOR)"; MIN="$(ver_part MINOR)"; PAT="$(ver_part PATCH)"
VERSION="${MAJ:-0}.${MIN:-0}.${PAT:-0}"

D="$DESTDIR$PREFIX"
install -d "$D/$LIBDIR_NAME/pkgconfig" "$D/include"
install -m 0755 "$SO" "$D/$LIBDIR_NAME/libshmring.so.1"
ln -sfn libshmring.so.1 "$D/$LIBDIR_NAME/libshmring.so"
install -m 0644 "$AR" "$D/$LIBDIR_NAME/libshmring.a"
install -m 0644 "$HDR" "$D/include/shmring.h"
sed -e "s|@PREFIX@|${SHMRING_PC_PREFIX:-$PREFIX}|g" -e "s|@LIBDIR@|$LIBDIR_NAME|g" -e "s|@VERSION@|$VERSION|g" \
  "$ROOT/c/shmring.pc.in" >"$D/$LIBDIR_NAME/pkgconfig/shmring.pc"
chmod 0644 "$D/$LIBDIR_NAME/pkgconfig/shmring.pc"

if [[ -z "$DESTDIR" && "$PREFIX" == /usr* && $(id -u) -eq 0 ]] && command -v ldconfig >/dev/null; then
  ldconfig 2>/dev/null || true
fi
echo "install-lib: installed shmring $VERSION into $D"
