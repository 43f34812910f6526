//go:build !shmring_system

// Compiles c/src/recovery.c into this package (see build_bundled.go).
#include "../../c/src/recovery.c"
