//go:build !shmring_system

package shmring

// The C core is compiled into this package: each core_*.c file includes one
// file of ../../c/src (TestEveryCoreSourceIsCompiled checks the list).

// #cgo CFLAGS: -I${SRCDIR}/../../c/include -fvisibility=hidden
// #cgo LDFLAGS: -lpthread
import "C"
