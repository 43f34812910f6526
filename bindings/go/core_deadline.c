//go:build !shmring_system

// Compiles c/src/deadline.c into this package (see build_bundled.go).
#include "../../c/src/deadline.c"
