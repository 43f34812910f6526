package shmring

// #include <stdlib.h>
// #include "calls.h"
import "C"

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"
)

// Reader reads messages from a ring: a broadcast reader, a group member or
// a lossy reader. It is not safe for concurrent use.
type Reader struct {
	ring      *Ring
	raw       *C.shmring_reader_t
	slotBytes uint64
	detail    detailBuffer
}

// Reader joins as a broadcast reader: it sees every message; writers wait
// for it.
func (r *Ring) Reader() (*Reader, error) { return r.openReader(nil, 0) }

// GroupReader joins group (1..31 bytes): each message goes to one member.
func (r *Ring) GroupReader(group string) (*Reader, error) {
	if group == "" || strings.IndexByte(group, 0) >= 0 {
		return nil, invalid(fmt.Sprintf("group name %q must be 1..31 bytes without NUL", group))
	}
	cgroup := C.CString(group)
	defer C.free(unsafe.Pointer(cgroup))
	return r.openReader(cgroup, 0)
}

// LossyReader joins as a lossy reader: it never holds writers back; when
// lapped it skips to the oldest message still in the ring.
func (r *Ring) LossyReader() (*Reader, error) { return r.openReader(nil, C.SHMRING_READER_LOSSY) }

func (r *Ring) openReader(group *C.char, flags C.uint32_t) (*Reader, error) {
	raw, err := r.acquire()
	if err != nil {
		return nil, err
	}
	rd := &Reader{ring: r, slotBytes: uint64(C.shmring_slot_bytes(raw))}
	if err := call(func() C.int { return C.shmring_reader_open(raw, group, flags, &rd.raw) }); err != nil {
		r.releaseHandle()
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) closedError() error {
	return &Error{Code: int(C.SHMRING_ECLOSED), Detail: "the reader was closed", kind: ErrClosed}
}

// Read copies the next message into buf, waiting up to timeout, and
// returns its length. ErrClosed at end of stream; ErrTooLarge if buf is
// too small (the message stays).
func (rd *Reader) Read(buf []byte, timeout time.Duration) (int, error) {
	return rd.readUntil(buf, deadline(timeout), retrySignals)
}

func (rd *Reader) readUntil(buf []byte, until C.int64_t, retry bool) (int, error) {
	if rd.raw == nil {
		return 0, rd.closedError()
	}
	var n C.uint64_t
	p, capacity := bytesPtr(buf), C.uint64_t(len(buf))
	err := rd.detail.check(untilDoneOr(retry, until, func(d C.int64_t) C.int {
		return C.shmring_go_read(rd.raw, p, capacity, &n, d, rd.detail.ptr())
	}))
	return int(n), err
}

// TryRead copies the next message if one is ready, else ErrEmpty.
func (rd *Reader) TryRead(buf []byte) (int, error) {
	return rd.Read(buf, 0)
}

// ReadBatch copies up to len(lengths) messages back to back into buf and
// sets lengths[i] to each one's length: one C call. It waits (up to
// timeout) only while none is ready and returns how many it copied: those
// that are ready and fit in buf. ErrTooLarge if the first does not fit.
func (rd *Reader) ReadBatch(buf []byte, lengths []uint64, timeout time.Duration) (int, error) {
	if rd.raw == nil {
		return 0, rd.closedError()
	}
	p, capacity := bytesPtr(buf), C.uint64_t(len(buf))
	maxCount := C.uint32_t(min(len(lengths), math.MaxUint32))
	var count C.uint32_t
	err := rd.detail.check(untilDone(deadline(timeout), func(d C.int64_t) C.int {
		return C.shmring_go_read_batch(rd.raw, p, capacity, lengthsPtr(lengths), maxCount, &count, d, rd.detail.ptr())
	}))
	return int(count), err
}

// ReadMessage returns the next message in a new slice.
func (rd *Reader) ReadMessage(timeout time.Duration) ([]byte, error) {
	buf := make([]byte, rd.slotBytes)
	n, err := rd.Read(buf, timeout)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// ReadContext is Read until ctx's deadline (or with none): cancelling ctx
// interrupts the wait at once (shmring_reader_interrupt), and it returns
// ctx.Err().
func (rd *Reader) ReadContext(ctx context.Context, buf []byte) (int, error) {
	if rd.raw == nil {
		return 0, rd.closedError()
	}
	var n int
	err := withContext(ctx, rd.interrupt, func(until C.int64_t) error {
		var err error
		n, err = rd.readUntil(buf, until, callOnce)
		return err
	})
	return n, err
}

// interrupt ends the reader's wait in progress (from another goroutine).
func (rd *Reader) interrupt() { C.shmring_reader_interrupt(rd.raw) }

// Peek calls fn with a zero-copy view of the next message (waiting up to
// timeout for one), in its slot, and then releases the slot (C's
// shmring_peek and shmring_release in one call: Go has no destructor to
// release with). The slice is valid only inside fn: copy what must outlive
// it. Peek returns fn's error;
// otherwise the release's (ErrLapped: a lossy reader's view was
// overwritten while fn ran, so discard what it read).
func (rd *Reader) Peek(timeout time.Duration, fn func(message []byte) error) error {
	return rd.viewUntil(deadline(timeout), retrySignals, fn)
}

func (rd *Reader) viewUntil(until C.int64_t, retry bool, fn func(message []byte) error) error {
	if rd.raw == nil {
		return rd.closedError()
	}
	var data unsafe.Pointer
	var n C.uint64_t
	if err := rd.detail.check(untilDoneOr(retry, until, func(d C.int64_t) C.int {
		return C.shmring_go_peek(rd.raw, &data, &n, d, rd.detail.ptr())
	})); err != nil {
		return err
	}
	released := false
	defer func() {
		if !released {
			C.shmring_release(rd.raw)
		}
	}()
	var message []byte
	if n > 0 {
		message = unsafe.Slice((*byte)(data), int(n))
	}
	fnErr := fn(message)
	released = true
	releaseErr := rd.detail.check(C.shmring_go_release(rd.raw, rd.detail.ptr()))
	if fnErr != nil {
		return fnErr
	}
	return releaseErr
}

// PeekContext is Peek until ctx's deadline (or with none): cancelling ctx
// while it waits for a message interrupts the wait at once, and it returns
// ctx.Err().
func (rd *Reader) PeekContext(ctx context.Context, fn func(message []byte) error) error {
	if rd.raw == nil {
		return rd.closedError()
	}
	return withContext(ctx, rd.interrupt, func(until C.int64_t) error {
		return rd.viewUntil(until, callOnce, fn)
	})

}

// View is Peek under its old name.
//
// Deprecated: use Peek (docs/api-map.md); removed in 0.2.
func (rd *Reader) View(timeout time.Duration, fn func(message []byte) error) error {
	return rd.Peek(timeout, fn)
}

// ViewContext is PeekContext under its old name.
//
// Deprecated: use PeekContext (docs/api-map.md); removed in 0.2.
func (rd *Reader) ViewContext(ctx context.Context, fn func(message []byte) error) error {
	return rd.PeekContext(ctx, fn)
}

// SkipToLatest jumps to the newest message and returns how many were
// passed over. Not for group members (ErrInvalid).
func (rd *Reader) SkipToLatest() (uint64, error) {
	if rd.raw == nil {
		return 0, rd.closedError()
	}
	var skipped C.uint64_t
	err := call(func() C.int { return C.shmring_reader_skip_to_latest(rd.raw, &skipped) })
	return uint64(skipped), err
}

// Missed counts the messages this reader passed over (lapped or skipped).
func (rd *Reader) Missed() uint64 {
	if rd.raw == nil {
		return 0
	}
	return uint64(C.shmring_reader_missed(rd.raw))
}

// Position is the sequence number of the next message this reader will
// look at; after SkipAllToLatest, the newest message at once.
func (rd *Reader) Position() uint64 {
	if rd.raw == nil {
		return 0
	}
	return uint64(C.shmring_reader_position(rd.raw))
}

// Close leaves the ring. Closing twice is a no-op.
func (rd *Reader) Close() error {
	if rd.raw == nil {
		return nil
	}
	raw := rd.raw
	rd.raw = nil
	defer rd.ring.releaseHandle()
	return call(func() C.int { return C.shmring_reader_close(raw) })
}
