//go:build !shmring_system

// Compiles c/src/writer.c into this package (see build_bundled.go).
#include "../../c/src/writer.c"
