//go:build !shmring_system

// Compiles c/src/orphans.c into this package (see build_bundled.go).
#include "../../c/src/orphans.c"
