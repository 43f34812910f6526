#!/usr/bin/env bash
# scripts/sync-vendored.sh [--check]: copy the version (from c/include/shmring.h)
# and the C core (c/include, c/src) into every package that ships them
# (bindings/python, bindings/rust/shmring-sys, bindings/go); --check changes
# nothing and fails naming every copy that differs. Run it after changing
# c/include or c/src or the version, and commit what it writes.
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/lib/sync_vendored.py" "$@"
