//go:build !shmring_system

// Compiles c/src/geometry.c into this package (see build_bundled.go).
#include "../../c/src/geometry.c"
