//go:build !shmring_system

// Compiles c/src/segment_check.c into this package (see build_bundled.go);
// written by scripts/sync-vendored.sh.
#include "c/src/segment_check.c"
