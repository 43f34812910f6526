//go:build !shmring_system

// Compiles c/src/appear.c into this package (see build_bundled.go).
#include "../../c/src/appear.c"
