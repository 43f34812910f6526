#!/usr/bin/env bash
# Install shmring into a temporary PREFIX (scripts/install-lib.sh) and check the
# result the way a user would see it:
#   - libshmring.so.1 has SONAME libshmring.so.1 and exports only shmring_*
#     (all at version SHMRING_1), and every function declared in shmring.h is exported;
#   - the installed header compiles on its own as C99 and C11 (-pedantic) and as C++;
#   - tests/install/consumer.c builds with `cc ... $(pkg-config --cflags --libs shmring)`
#     and runs against the installed .so, and also links statically against libshmring.a.
# Exit 0 = all good, nonzero = a failure (each failure is printed as "FAIL: ...").
#
# Env: SHMRING_NO_BUILD=1 to install what is already in bazel-bin;
#      KEEP_PREFIX=1 to keep the temporary prefix for inspection.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/install"
CC="${CC:-cc}"
CXX="${CXX:-c++}"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-install.XXXXXX")"
cleanup() { if [[ -z "${KEEP_PREFIX:-}" ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi; }
trap cleanup EXIT
PREFIX="$WORK/prefix"

if ! bash "$ROOT/scripts/install-lib.sh" "$PREFIX"; then
  echo "FAIL: scripts/install-lib.sh $PREFIX" >&2
  exit 1
fi
LIB="$PREFIX/lib"
SO="$LIB/libshmring.so.1"

for f in "$SO" "$LIB/libshmring.a" "$PREFIX/include/shmring.h" "$LIB/pkgconfig/shmring.pc"; do
  [[ -f "$f" ]] || fail "not installed: $f"
done
[[ "$(readlink "$LIB/libshmring.so")" == "libshmring.so.1" ]] || fail "libshmring.so is not a symlink to libshmring.so.1"

# --- SONAME -------------------------------------------------------------------
soname="$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')"
if [[ "$soname" == "libshmring.so.1" ]]; then ok "SONAME $soname"; else fail "SONAME is '$soname', want libshmring.so.1"; fi

# --- exported symbols -----------------------------------------------------------
# nm -D --defined-only also lists the version node itself ("A SHMRING_1"); allow exactly that.
syms="$(nm -D --defined-only "$SO" | awk '{print $NF}')"
bad="$(printf '%s\n' "$syms" | grep -v -E '^(shmring_[A-Za-z0-9_]+@@SHMRING_1|SHMRING_1)$' || true)"
if [[ -n "$bad" ]]; then
  fail "unexpected exported symbols (want only shmring_*@@SHMRING_1):"$'\n'"$bad"
fi
exported="$(printf '%s\n' "$syms" | sed -n 's/^\(shmring_[A-Za-z0-9_]*\)@@SHMRING_1$/\1/p' | sort -u)"
if [[ -z "$exported" ]]; then
  fail "libshmring.so.1 exports no shmring_* symbol (hidden visibility without default-visibility declarations?)"
else
  ok "exports $(printf '%s\n' "$exported" | wc -l) shmring_* symbols, nothing else"
fi
# Every function the header declares must be exported (else users get link errors).
declared="$("$CC" -std=c11 -E -P -x c "$PREFIX/include/shmring.h" 2>/dev/null \
  | grep -o -E '\bshmring_[A-Za-z0-9_]+[[:space:]]*\(' | sed 's/[[:space:]]*($//' | sort -u)"
missing="$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported") | grep . || true)"
if [[ -n "$missing" ]]; then
  fail "declared in shmring.h but not exported by libshmring.so.1:"$'\n'"$missing"
else
  ok "all $(printf '%s\n' "$declared" | grep -c .) functions declared in shmring.h are exported"
fi

# --- installed header stands alone ---------------------------------------------------------
printf '#include <shmring.h>\nint main(void){return 0;}\n' >"$WORK/hdr.c"
for std in c99 c11; do
  if "$CC" -std=$std -Wall -Wextra -Werror -pedantic -I"$PREFIX/include" -c "$WORK/hdr.c" -o "$WORK/hdr.o"; then
    ok "shmring.h compiles alone ($std -pedantic)"
  else fail "installed shmring.h does not compile alone as $std"; fi
done
if command -v "$CXX" >/dev/null 2>&1; then
  cp "$WORK/hdr.c" "$WORK/hdr.cc"
  if "$CXX" -std=c++11 -Wall -Wextra -Werror -I"$PREFIX/include" -fsyntax-only "$WORK/hdr.cc"; then
    ok "shmring.h compiles as C++11"
  else fail "installed shmring.h does not compile as C++11"; fi
fi

# --- consumer via pkg-config, dynamic ---------------------------------------------------
export PKG_CONFIG_PATH="$LIB/pkgconfig"
if ! pkg-config --exists shmring; then
  fail "pkg-config cannot find shmring in $PKG_CONFIG_PATH"
else
  ok "pkg-config shmring $(pkg-config --modversion shmring): $(pkg-config --cflags --libs shmring)"
  # shellcheck disable=SC2046
  if "$CC" -std=c11 -Wall -Wextra -Werror -o "$WORK/consumer" "$HERE/consumer.c" \
       $(pkg-config --cflags --libs shmring); then
    if out="$(LD_LIBRARY_PATH="$LIB" "$WORK/consumer")"; then
      ok "consumer (shared) ran: $out"
      resolved="$(LD_LIBRARY_PATH="$LIB" ldd "$WORK/consumer" | awk '$1=="libshmring.so.1"{print $3}')"
      [[ "$resolved" == "$SO" ]] || fail "consumer resolved libshmring.so.1 to '$resolved', want $SO"
    else
      fail "consumer (shared) exited $?"
    fi
  else
    fail "consumer.c does not compile/link against the installed library"
  fi

  # --- consumer, static archive ------------------------------------------------------
  # shellcheck disable=SC2046
  if "$CC" -std=c11 -Wall -Wextra -Werror -o "$WORK/consumer_static" "$HERE/consumer.c" \
       $(pkg-config --cflags shmring) -L"$LIB" -Wl,-Bstatic -lshmring -Wl,-Bdynamic \
       $(pkg-config --static --libs-only-other --libs-only-l shmring | sed 's/-lshmring//'); then
    if out="$("$WORK/consumer_static")"; then
      ok "consumer (static libshmring.a) ran: $out"
      if ldd "$WORK/consumer_static" | grep -q libshmring; then fail "static consumer still needs libshmring.so"; fi
    else
      fail "consumer (static) exited $?"
    fi
  else
    fail "consumer.c does not link against the installed libshmring.a"
  fi
fi

if ((failures)); then
  echo "check_install: $failures failure(s)" >&2
  exit 1
fi
echo "check_install: OK"
