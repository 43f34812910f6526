//go:build !shmring_system

// Compiles c/src/stats.c into this package (see build_bundled.go);
// written by scripts/sync-vendored.sh.
#include "c/src/stats.c"
