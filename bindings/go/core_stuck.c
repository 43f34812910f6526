//go:build !shmring_system

// Compiles c/src/stuck.c into this package (see build_bundled.go).
#include "../../c/src/stuck.c"
