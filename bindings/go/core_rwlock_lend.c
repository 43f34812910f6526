//go:build !shmring_system

// Compiles c/src/rwlock_lend.c into this package (see build_bundled.go);
// written by scripts/sync-vendored.sh.
#include "c/src/rwlock_lend.c"
