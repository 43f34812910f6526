//go:build !shmring_system

// Compiles c/src/segment_check.c into this package (see build_bundled.go).
#include "../../c/src/segment_check.c"
