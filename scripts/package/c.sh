#!/usr/bin/env bash
# scripts/package/c.sh OUT: the C library, built by Bazel (-c opt) and
# installed by scripts/install-lib.sh into staging trees, as
#   shmring-V-linux-x86_64.tar.gz  relocatable: include/, lib/libshmring.so.1
#                                  (+ .so link), lib/libshmring.a and
#                                  lib/pkgconfig/shmring.pc with prefix ${pcfiledir}/../..
#   libshmring1_V-1_amd64.deb      the shared library (SONAME libshmring.so.1)
#   libshmring-dev_V-1_amd64.deb   header, static library, .so link, shmring.pc
# Debian packages made with dpkg-deb for Debian 12 (multiarch lib dir, so
# pkg-config finds shmring.pc with no environment). One "artifact:" line each.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/package/tools.sh"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-package-c.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
version="$(sed -n 's/^const ModuleVersion = "\(.*\)"/\1/p' "$ROOT/bindings/go/version.go")"
arch="$(dpkg --print-architecture)"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"

# Debug information stripped (as a distribution ships it); symbols stay.
strip_libs() { strip --strip-debug "$1"/libshmring.so.1 "$1"/libshmring.a; }

# The tarball.
tree="shmring-$version-linux-$(uname -m)"
BAZEL_FLAGS="--config=ci -c opt" DESTDIR="$WORK/$tree" SHMRING_PC_PREFIX='${pcfiledir}/../..' \
  bash "$ROOT/scripts/install-lib.sh" / >"$WORK/install-tar.log" 2>&1 ||
  { cat "$WORK/install-tar.log" >&2; exit 1; }
strip_libs "$WORK/$tree/lib"
tar -C "$WORK" --owner=0 --group=0 -czf "$OUT/$tree.tar.gz" "$tree"
say "$OUT/$tree.tar.gz"

# The Debian packages: one install into /usr, split between the two.
stage="$WORK/usr-tree"
BAZEL_FLAGS="--config=ci -c opt" SHMRING_NO_BUILD=1 DESTDIR="$stage" LIBDIR_NAME="lib/$multiarch" \
  bash "$ROOT/scripts/install-lib.sh" /usr >"$WORK/install-deb.log" 2>&1 ||
  { cat "$WORK/install-deb.log" >&2; exit 1; }
strip_libs "$stage/usr/lib/$multiarch"
lib="usr/lib/$multiarch"
# The newest glibc symbol version the library uses is the libc6 it needs.
glibc="$(objdump -T "$stage/$lib/libshmring.so.1" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
description="shared-memory ring buffer for inter-process messaging
 shmring is a multiple-writer, multiple-reader ring buffer in shared memory
 with a stable C ABI and a documented layout shared by its C, Python, Rust
 and Go bindings."

make_deb() { # NAME FILES... (relative to $stage); control fields on stdin
  local name="$1" dir="$WORK/deb-$1" file; shift
  mkdir -p "$dir/DEBIAN"
  for file in "$@"; do
    mkdir -p "$dir/$(dirname "$file")"
    cp -a "$stage/$file" "$dir/$file"
  done
  cat >"$dir/DEBIAN/control"
  dpkg-deb --root-owner-group --build "$dir" "$OUT/${name}_$version-1_$arch.deb" >/dev/null
  say "$OUT/${name}_$version-1_$arch.deb"
}

mkdir -p "$WORK/deb-libshmring1/DEBIAN"
echo "activate-noawait ldconfig" >"$WORK/deb-libshmring1/DEBIAN/triggers"
echo "libshmring 1 libshmring1 (>= $version)" >"$WORK/deb-libshmring1/DEBIAN/shlibs"
make_deb libshmring1 "$lib/libshmring.so.1" <<CONTROL
Package: libshmring1
Version: $version-1
Architecture: $arch
Multi-Arch: same
Section: libs
Priority: optional
Depends: libc6 (>= ${glibc#GLIBC_})
Maintainer: shmring <https://github.com/shmring/shmring>
Homepage: https://github.com/shmring/shmring
Description: $description
 .
 This package holds the shared library, libshmring.so.1.
CONTROL

make_deb libshmring-dev "usr/include/shmring.h" "$lib/libshmring.so" "$lib/libshmring.a" \
  "$lib/pkgconfig/shmring.pc" <<CONTROL
Package: libshmring-dev
Version: $version-1
Architecture: $arch
Multi-Arch: same
Section: libdevel
Priority: optional
Depends: libshmring1 (= $version-1)
Maintainer: shmring <https://github.com/shmring/shmring>
Homepage: https://github.com/shmring/shmring
Description: $description
 .
 This package holds the header, the static library and shmring.pc.
CONTROL
