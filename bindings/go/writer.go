package shmring

// #include "calls.h"
import "C"

import (
	"time"
	"unsafe"
)

// MaxWriteBatch (256) is the most messages one WriteBatch call writes: the
// size of the pointer array its C wrapper builds on the stack.
const MaxWriteBatch = C.SHMRING_GO_WRITE_BATCH_MAX

// Writer writes messages into a ring. It is not safe for concurrent use:
// give each goroutine its own writer (or guard one with a mutex).
type Writer struct {
	ring      *Ring
	raw       *C.shmring_writer_t
	slotBytes uint64
	detail    detailBuffer
}

// Writer joins the ring as a writer.
func (r *Ring) Writer() (*Writer, error) {
	raw, err := r.acquire()
	if err != nil {
		return nil, err
	}
	w := &Writer{ring: r, slotBytes: uint64(C.shmring_slot_bytes(raw))}
	if err := call(func() C.int { return C.shmring_writer_open(raw, &w.raw) }); err != nil {
		r.releaseHandle()
		return nil, err
	}
	return w, nil
}

func (w *Writer) closedError() error {
	return &Error{Code: int(C.SHMRING_ECLOSED), Detail: "the writer was closed", kind: ErrClosed}
}

// Write copies one message (0..slot bytes) into the ring, waiting up to
// timeout (Forever, or 0: never) for space.
func (w *Writer) Write(data []byte, timeout time.Duration) error {
	if w.raw == nil {
		return w.closedError()
	}
	p, n := bytesPtr(data), C.uint64_t(len(data))
	return w.detail.check(untilDone(deadline(timeout), func(d C.int64_t) C.int {
		return C.shmring_go_write(w.raw, p, n, d, w.detail.ptr())
	}))
}

// TryWrite copies one message if a slot is free now, else ErrFull.
func (w *Writer) TryWrite(data []byte) error { return w.Write(data, 0) }

// WriteBatch writes messages stored back to back in data, lengths[i] bytes
// each, in order: one C call for up to MaxWriteBatch messages. It waits
// (up to timeout) only while none fits and returns how many it wrote, a
// prefix of lengths: call it again with the rest.
func (w *Writer) WriteBatch(data []byte, lengths []uint64, timeout time.Duration) (int, error) {
	if w.raw == nil {
		return 0, w.closedError()
	}
	lengths = lengths[:min(len(lengths), MaxWriteBatch)]
	p, capacity := bytesPtr(data), C.uint64_t(len(data))
	count := C.uint32_t(len(lengths))
	var written C.uint32_t
	err := w.detail.check(untilDone(deadline(timeout), func(d C.int64_t) C.int {
		return C.shmring_go_write_batch(w.raw, p, capacity, lengthsPtr(lengths), count, &written, d, w.detail.ptr())
	}))
	return int(written), err
}

// Reserve claims the next slot (waiting up to timeout for space) and calls
// fill with it, slot-size bytes to write in place. fill returns the
// message length to commit. If fill returns an error (or panics), or the
// commit fails (ErrTooLarge: more than the slot), the slot is aborted,
// every reader skips it, and Reserve returns that error. The slice must
// not be used after fill returns.
func (w *Writer) Reserve(timeout time.Duration, fill func(slot []byte) (int, error)) error {
	if w.raw == nil {
		return w.closedError()
	}
	var slot unsafe.Pointer
	if err := w.detail.check(untilDone(deadline(timeout), func(d C.int64_t) C.int {
		return C.shmring_go_reserve(w.raw, &slot, d, w.detail.ptr())
	})); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			C.shmring_abort(w.raw)
		}
	}()
	n, err := fill(unsafe.Slice((*byte)(slot), w.slotBytes))
	if err != nil {
		return err
	}
	err = w.detail.check(C.shmring_go_commit(w.raw, C.uint64_t(n), w.detail.ptr()))
	committed = err == nil
	return err
}

// Close leaves the ring; with close-on-last-writer the last writer ends
// the stream. Closing twice is a no-op.
func (w *Writer) Close() error {
	if w.raw == nil {
		return nil
	}
	raw := w.raw
	w.raw = nil
	defer w.ring.releaseHandle()
	return call(func() C.int { return C.shmring_writer_close(raw) })
}
