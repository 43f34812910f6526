//go:build !shmring_system

// Compiles c/src/join.c into this package (see build_bundled.go).
#include "../../c/src/join.c"
