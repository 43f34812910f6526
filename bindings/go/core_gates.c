//go:build !shmring_system

// Compiles c/src/gates.c into this package (see build_bundled.go).
#include "../../c/src/gates.c"
