//go:build !shmring_system

// Compiles c/src/registry.c into this package (see build_bundled.go).
#include "../../c/src/registry.c"
