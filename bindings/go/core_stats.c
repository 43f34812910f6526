//go:build !shmring_system

// Compiles c/src/stats.c into this package (see build_bundled.go).
#include "../../c/src/stats.c"
