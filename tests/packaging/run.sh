#!/usr/bin/env bash
# tests/packaging/run.sh [DIST]: every artifact of scripts/package.sh (in DIST,
# default dist/) installed the way a user installs it, in an empty directory
# with no checkout and a fresh environment, then a real write and read
# across two processes: the cross-language producer and consumer of
# examples/cross/<language>, copied into that directory (see
# tests/cross/README.md: the producer creates the ring and writes, the
# consumer checks every message and the end of stream).
#
#   deb        apt-get install ./libshmring1_*.deb ./libshmring-dev_*.deb; the C
#              programs built with `pkg-config --cflags --libs shmring` under
#              `env -i` (no PKG_CONFIG_PATH, no LD_LIBRARY_PATH); removed at the end
#   tarball    extracted anywhere, built through its relocatable shmring.pc
#   wheel tags auditwheel show: manylinux_2_17 for each CPython, extension stripped
#   wheel 3.8, wheel 3.13   a venv of that CPython with the wheel (no index)
#   sdist      a venv installing the sdist (its build requirements from PyPI)
#   wheel->C, sdist->C      the Python producer's ring read by the C consumer
#   crates     a fresh cargo project depending on shmring = "V", both crates
#              from the .crate files through [patch.crates-io]
#   go module  a fresh module requiring the module through GOPROXY=file://,
#              no replace; go vet and go test -race of the module, then the pair
#
# Last line: "packaging: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="$(cd "${1:-$ROOT/dist}" && pwd)" || { echo "packaging: no $1 (run scripts/package.sh)"; exit 1; }
for dir in "${HOME:-/root}/.cargo/bin" /usr/local/go/bin; do PATH="$PATH:$dir"; done
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
COUNT="${PACKAGING_COUNT:-500}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-packaging.XXXXXX")"
NONCE="$$-$RANDOM"
passed=0 failed=0 rings=0 installed_debs=""
cleanup() {
  if [[ -n "$installed_debs" ]]; then
    apt-get remove -y --purge libshmring-dev libshmring1 >/dev/null 2>&1 ||
      echo "packaging: could not remove the test's libshmring packages" >&2
  fi
  chmod -R u+w "$WORK" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

one() { compgen -G "$DIST/$1" | head -1; }
fresh() { mkdir -p "$WORK/$1" && echo "$WORK/$1"; }

# run LABEL FUNCTION ARGS...: one counted test, its output indented.
run() {
  local label="$1" log="$WORK/test-$((passed + failed)).log" rc; shift
  echo "==> $label"
  rings=$((rings + 1))
  "$@" >"$log" 2>&1
  rc=$?
  sed 's/^/    /' "$log"
  rm -f "/dev/shm/shmring-packaging-$NONCE-$rings"
  if ((rc == 0)); then
    passed=$((passed + 1)); echo "ok: $label"
  else
    failed=$((failed + 1)); echo "FAILED: $label"
  fi
}

# pair PRODUCER CONSUMER: PRODUCER... creates the ring and writes COUNT
# messages; CONSUMER... (started once the segment exists) checks them all.
# Both are command strings run with bash -c in the current directory.
pair() {
  local ring="/shmring-packaging-$NONCE-$rings" p i  # one ring per test (see run)
  bash -c "$1 $ring --id 0 --count $COUNT --create 256 8 --readers 1" &
  p=$!
  for ((i = 0; i < 1000; i++)); do [[ -e "/dev/shm/${ring#/}" ]] && break; sleep 0.01; done
  bash -c "$2 $ring --writers 0 --count $COUNT" || { wait $p; return 1; }
  wait $p
}

# Builds the C producer and consumer in DIR against the installed library
# with pkg-config; ENV... is what the build (and the programs) run under.
build_c_programs() {
  local dir="$1" program; shift
  cp "$ROOT"/examples/cross/c/{producer.c,consumer.c,message.h} "$dir/"
  for program in producer consumer; do
    (cd "$dir" && "$@" sh -c "cc -std=c11 -Wall -Wextra -Werror -O2 $program.c \$(pkg-config --cflags --libs shmring) -o $program") || return 1
  done
}

test_deb() {
  local dir libs; dir="$(fresh deb)"
  if dpkg -s libshmring1 >/dev/null 2>&1 || dpkg -s libshmring-dev >/dev/null 2>&1; then
    echo "libshmring packages are already installed; not touching them"; return 1
  fi
  cp "$(one 'libshmring1_*.deb')" "$(one 'libshmring-dev_*.deb')" "$dir/" || return 1
  installed_debs=1
  (cd "$dir" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./libshmring1_*.deb ./libshmring-dev_*.deb >apt.log 2>&1) ||
    { cat "$dir/apt.log"; return 1; }
  libs="$(env -i PATH=/usr/bin:/bin pkg-config --libs shmring)" || return 1
  [[ "$(echo $libs)" == -lshmring ]] || { echo "pkg-config --libs shmring: $libs"; return 1; }
  build_c_programs "$dir" env -i PATH=/usr/bin:/bin || return 1
  readelf -d "$dir/consumer" | grep -q 'NEEDED.*libshmring.so.1' || { echo "not linked to libshmring.so.1"; return 1; }
  (cd "$dir" && pair "env -i PATH=/usr/bin:/bin ./producer" "env -i PATH=/usr/bin:/bin ./consumer")
}

test_tarball() {
  local dir tree; dir="$(fresh tarball)"
  tar -C "$dir" -xzf "$(one 'shmring-*-linux-*.tar.gz')" || return 1
  tree="$(echo "$dir"/shmring-*)"
  mv "$tree" "$dir/moved-elsewhere"  # relocatable: the .pc finds itself
  tree="$dir/moved-elsewhere"
  build_c_programs "$dir" env -i PATH=/usr/bin:/bin PKG_CONFIG_PATH="$tree/lib/pkgconfig" || return 1
  (cd "$dir" && pair "env LD_LIBRARY_PATH=$tree/lib ./producer" "env LD_LIBRARY_PATH=$tree/lib ./consumer")
}

# python_venv NAME VERSION INSTALL...: a venv of pyenv's CPython VERSION in
# an empty dir with INSTALL (pip arguments); prints the venv's python.
python_venv() {
  local dir="$WORK/$1" version="$2" python; shift 2
  python="$(ls -d "$PYENV_ROOT"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V | tail -1)"
  [[ -x "$python" ]] || { echo "no CPython $version in $PYENV_ROOT" >&2; return 1; }
  mkdir -p "$dir"
  "$python" -m venv "$dir/venv" >&2 || return 1
  (cd "$dir" && env -u PYTHONPATH "$dir/venv/bin/python" -m pip install -q "$@" >&2) || return 1
  echo "$dir/venv/bin/python"
}

# A Python install: it imports from the venv, carries no benchmark code,
# and its producer feeds its consumer.
check_python() {
  local py="$1" dir; dir="$(dirname "$(dirname "$(dirname "$py")")")"
  cp "$ROOT"/examples/cross/python/{producer.py,consumer.py,message.py} "$dir/"
  (cd "$dir" && env -u PYTHONPATH "$py" -c 'import shmring, sys; sys.exit("site-packages" not in shmring.__file__)') || return 1
  if "$py" -m pip show -f shmring | grep -i bench; then echo "the installed package carries benchmark code"; return 1; fi
  "$py" -m shmring --help >/dev/null && "$py" -m shmring.perf --help >/dev/null || return 1
  (cd "$dir" && pair "env -u PYTHONPATH $py producer.py" "env -u PYTHONPATH $py consumer.py")
}

# Every CPython 3.8-3.13 has a wheel that auditwheel calls manylinux2014
# (manylinux_2_17), with a stripped extension.
test_wheel_tags() {
  local tools_py tag wheel report
  # shellcheck source=../../scripts/package/tools.sh
  source "$ROOT/scripts/package/tools.sh" && tools_py="$TOOLS_PY"
  for tag in cp38 cp39 cp310 cp311 cp312 cp313; do
    wheel="$(one "shmring-*-$tag-$tag-manylinux*.whl")" || true
    [[ -n "$wheel" ]] || { echo "no $tag wheel"; return 1; }
    report="$("$tools_py" -m auditwheel show "$wheel" 2>&1)" || { echo "$report"; return 1; }
    # auditwheel wraps its lines: compare with every run of white space as one space.
    tr -s ' \n' '  ' <<<"$report" | grep -q 'platform tag: "manylinux_2_17_x86_64"' ||
      { echo "$(basename "$wheel"): $report"; return 1; }
    rm -rf "$WORK/unzipped" && mkdir "$WORK/unzipped" && (cd "$WORK/unzipped" && python3 -m zipfile -e "$wheel" .) || return 1
    if readelf -S "$WORK"/unzipped/shmring/_core*.so | grep -qE '\.(symtab|debug_)'; then
      echo "$(basename "$wheel"): extension not stripped"; return 1
    fi
    echo "$(basename "$wheel"): manylinux_2_17_x86_64, stripped"
  done
}

test_wheel() {
  local version="$1" tag="cp${1/./}" wheel py
  wheel="$(one "shmring-*-$tag-$tag-manylinux*.whl")" || true
  [[ -n "$wheel" ]] || { echo "no $tag wheel in $DIST"; return 1; }
  py="$(python_venv "wheel-$version" "$version" --no-index "$wheel")" || return 1
  check_python "$py"
}

test_sdist() {
  local py
  py="$(python_venv sdist 3.12 "$(one 'shmring-[0-9]*.[0-9].tar.gz')")" || return 1
  check_python "$py"
}

# The Python producer (of the venv made by test NAME) into the C consumer of
# the .deb test: one layout across artifacts.
test_python_to_c() {
  local dir="$WORK/$1"
  [[ -x "$dir/venv/bin/python" && -x "$WORK/deb/consumer" ]] || { echo "needs the $1 and deb tests"; return 1; }
  (cd "$dir" && pair "env -u PYTHONPATH venv/bin/python producer.py" "env -i PATH=/usr/bin:/bin $WORK/deb/consumer")
}

test_crates() {
  local dir crate version; dir="$(fresh crates)"
  mkdir -p "$dir/crates"
  for crate in "$DIST"/shmring-sys-*.crate "$DIST"/shmring-[0-9]*.crate; do
    tar -C "$dir/crates" -xzf "$crate" || return 1
  done
  version="$(basename "$(one 'shmring-[0-9]*.crate')" .crate)"; version="${version#shmring-}"
  cp -r "$ROOT/examples/cross/rust/src" "$dir/src"
  cat >"$dir/Cargo.toml" <<TOML
[package]
name = "shmring-cross"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
shmring = "$version"

# The packaged crates in place of crates.io's (not published yet).
[patch.crates-io]
shmring = { path = "crates/shmring-$version" }
shmring-sys = { path = "crates/shmring-sys-$version" }

[workspace]
TOML
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build -q --release 2>&1) || return 1
  (cd "$dir" && pair "target/release/cross-producer" "target/release/cross-consumer")
}

test_go_module() {
  local dir module version; dir="$(fresh go)"
  module="$(cd "$DIST/goproxy" && ls -d github.com/*/*/bindings/go)"
  version="$(cat "$DIST/goproxy/$module/@v/list")"
  cp -r "$ROOT"/examples/cross/go/{cmd,message} "$dir/"
  printf 'module github.com/shmring/shmring/examples/cross/go\n\ngo 1.22\n\nrequire %s %s\n' \
    "$module" "$version" >"$dir/go.mod"
  local -x GOPROXY="file://$DIST/goproxy" GOSUMDB=off GOFLAGS="-mod=mod -modcacherw" GOMODCACHE="$dir/modcache"
  (cd "$dir" && go vet "$module" ./... && go test -race -count=1 "$module" &&
    go build -o producer ./cmd/producer && go build -o consumer ./cmd/consumer) || return 1
  grep -q replace "$dir/go.mod" && { echo "go.mod has a replace"; return 1; }
  (cd "$dir" && pair ./producer ./consumer)
}

run "deb: apt install, pkg-config with no environment, C producer -> C consumer" test_deb
run "tarball: relocated, pkg-config through \${pcfiledir}, C producer -> C consumer" test_tarball
run "wheels: auditwheel show says manylinux_2_17 (manylinux2014) for CPython 3.8-3.13, stripped" test_wheel_tags
run "wheel, CPython 3.8: Python producer -> Python consumer" test_wheel 3.8
run "wheel, CPython 3.13: Python producer -> Python consumer" test_wheel 3.13
run "sdist, CPython 3.12: Python producer -> Python consumer" test_sdist
run "wheel (3.13) Python producer -> C consumer of the deb" test_python_to_c wheel-3.13
run "sdist Python producer -> C consumer of the deb" test_python_to_c sdist
run "crates through [patch.crates-io]: Rust producer -> Rust consumer" test_crates
run "Go module through GOPROXY=file://: vet, test -race, Go producer -> Go consumer" test_go_module

echo "packaging: $passed passed, $failed failed"
((failed == 0))
