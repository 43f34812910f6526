//go:build !shmring_system

// Compiles c/src/errors.c into this package (see build_bundled.go).
#include "../../c/src/errors.c"
