//go:build !shmring_system

// Compiles c/src/deadline.c into this package (see build_bundled.go);
// written by scripts/sync-vendored.sh.
#include "c/src/deadline.c"
