package shmring

// #cgo noescape shmring_go_write
// #cgo nocallback shmring_go_write
// #cgo noescape shmring_go_write_batch
// #cgo nocallback shmring_go_write_batch
// #cgo noescape shmring_go_reserve
// #cgo nocallback shmring_go_reserve
// #cgo noescape shmring_go_commit
// #cgo nocallback shmring_go_commit
// #cgo noescape shmring_go_read
// #cgo nocallback shmring_go_read
// #cgo noescape shmring_go_read_batch
// #cgo nocallback shmring_go_read_batch
// #cgo noescape shmring_go_peek
// #cgo nocallback shmring_go_peek
// #cgo noescape shmring_go_release
// #cgo nocallback shmring_go_release
// #cgo noescape shmring_go_array_decode
// #cgo nocallback shmring_go_array_decode
// #cgo noescape shmring_go_array_reserve
// #cgo nocallback shmring_go_array_reserve
// #include "calls.h"
import "C"

import "unsafe"

// The data path (Writer and Reader calls) goes through the wrappers of
// calls.h: one cgo call per operation, no thread lock, and (noescape) no
// heap allocation for the pointers it passes: C keeps none of them.

// detailBuffer receives the detail of a failed wrapper call. Each Writer
// and Reader has its own (they are not for concurrent use).
type detailBuffer [C.SHMRING_GO_DETAIL_BYTES]C.char

func (d *detailBuffer) ptr() *C.char { return &d[0] }

// check turns a wrapper's status into an error with the detail it left.
func (d *detailBuffer) check(status C.int) error {
	if status == C.SHMRING_OK {
		return nil
	}
	return errorOf(status, C.GoString(&d[0]))
}

// bytesPtr is the address of data's first byte (nil for an empty slice),
// typed so that cgo needs no pointer check (bytes hold no Go pointers).
func bytesPtr(data []byte) *C.uint8_t {
	if len(data) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&data[0]))
}

// lengthsPtr is lengths as C's uint64_t array (nil if empty).
func lengthsPtr(lengths []uint64) *C.uint64_t {
	if len(lengths) == 0 {
		return nil
	}
	return (*C.uint64_t)(unsafe.Pointer(&lengths[0]))
}
