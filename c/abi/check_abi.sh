#!/usr/bin/env bash
# The ABI guard: libshmring.so.1 as built now must offer everything the
# committed baseline (c/abi/libshmring.so.1.abi) describes, unchanged.
# Added functions are fine; a removed or changed function, or a changed
# type behind one, fails. To change the ABI deliberately, see README.md
# ("Changing the ABI").
set -u
so="$1" baseline="$2" header="$3"
if ! command -v abidiff >/dev/null; then
  echo "FAIL: abidiff not found (Debian package abigail-tools; scripts/install-deps.sh)"
  exit 1
fi
abidiff --no-added-syms --headers-dir2 "$(dirname "$header")" "$baseline" "$so"
rc=$?
if ((rc != 0)); then
  echo "FAIL: the ABI of libshmring.so.1 differs from c/abi/libshmring.so.1.abi (abidiff exit $rc)."
  echo "If this change is deliberate, follow README.md, 'Changing the ABI'."
  exit 1
fi
echo "ABI unchanged against the baseline (added functions allowed)"
