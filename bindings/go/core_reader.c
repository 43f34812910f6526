//go:build !shmring_system

// Compiles c/src/reader.c into this package (see build_bundled.go).
#include "../../c/src/reader.c"
