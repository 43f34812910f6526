//go:build !shmring_system

// Compiles c/src/array_write.c into this package (see build_bundled.go).
#include "../../c/src/array_write.c"
