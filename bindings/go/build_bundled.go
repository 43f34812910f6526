//go:build !shmring_system

package shmring

// The C core is compiled into this package: c/ is a copy of the repository's
// c/include and c/src, kept equal by scripts/sync-vendored.sh, so that the
// module zip carries it; each core_*.c file includes one file of c/src, since
// cgo compiles only this folder (TestEveryCoreSourceIsCompiled checks the list).

// #cgo CFLAGS: -I${SRCDIR}/c/include -fvisibility=hidden
// #cgo LDFLAGS: -lpthread
import "C"
