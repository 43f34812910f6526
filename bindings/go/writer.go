package shmring

// #include "shmring.h"
import "C"

import (
	"time"
	"unsafe"
)

// Writer writes messages into a ring. It is not safe for concurrent use:
// give each goroutine its own writer (or guard one with a mutex).
type Writer struct {
	ring      *Ring
	raw       *C.shmring_writer_t
	slotBytes uint64
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

// bytePtr is the address of data's first byte (nil for an empty slice).
func bytePtr(data []byte) unsafe.Pointer {
	if len(data) == 0 {
		return nil
	}
	return unsafe.Pointer(&data[0])
}

// Write copies one message (0..slot bytes) into the ring, waiting up to
// timeout (Forever, or 0: never) for space.
func (w *Writer) Write(data []byte, timeout time.Duration) error {
	if w.raw == nil {
		return w.closedError()
	}
	p := bytePtr(data)
	return callWaiting(timeout, func(ns C.int64_t) C.int {
		return C.shmring_write(w.raw, p, C.uint64_t(len(data)), ns)
	})
}

// TryWrite copies one message if a slot is free now, else ErrFull.
func (w *Writer) TryWrite(data []byte) error {
	if w.raw == nil {
		return w.closedError()
	}
	p := bytePtr(data)
	return call(func() C.int { return C.shmring_try_write(w.raw, p, C.uint64_t(len(data))) })
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
	if err := callWaiting(timeout, func(ns C.int64_t) C.int { return C.shmring_reserve(w.raw, &slot, ns) }); err != nil {
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
	err = call(func() C.int { return C.shmring_commit(w.raw, C.uint64_t(n)) })
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
