//go:build !shmring_system

// Compiles c/src/shm_file.c into this package (see build_bundled.go).
#include "../../c/src/shm_file.c"
