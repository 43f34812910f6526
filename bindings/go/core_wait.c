//go:build !shmring_system

// Compiles c/src/wait.c into this package (see build_bundled.go).
#include "../../c/src/wait.c"
