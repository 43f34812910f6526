//go:build !shmring_system

// Compiles c/src/array_format.c into this package (see build_bundled.go).
#include "../../c/src/array_format.c"
