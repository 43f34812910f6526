package shmring

// #include <stdlib.h>
// #include <stdlib.h>
// #include "shmring.h"
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// LayoutVersion is the shared-memory layout version this library writes and
// accepts (docs/layout.md).
const LayoutVersion = C.SHMRING_LAYOUT_VERSION

// Version of the C library: (major << 16) | (minor << 8) | patch.
func Version() uint32 { return uint32(C.shmring_version()) }

// Ring is a named or anonymous ring attached to this process. Its methods
// are safe for concurrent use. Close it after closing its writers and
// readers.
type Ring struct {
	mu      sync.Mutex
	raw     *C.shmring_ring_t
	handles int // writers and readers still open
}

// Options are creation settings; zero fields keep the C defaults (64
// writers, 128 readers, 32 groups, mode 0600, first sequence 0, the stream
// ends when the last writer that joined leaves).
type Options struct {
	MaxWriters, MaxReaders, MaxGroups uint32
	Mode                              uint32 // permission bits, e.g. 0o660
	// KeepStreamOpen: the stream ends only at CloseStream, not when the
	// last writer leaves.
	KeepStreamOpen  bool
	InitialSequence uint64 // first sequence (tests of counter wrap-around)
	// ReplaceStale: if the name is taken by a stale segment (every process
	// recorded in it is dead, e.g. a crashed run's), remove it and create
	// the ring in its place. A live one is never removed: ErrExists names
	// its live pids (see Inspect).
	ReplaceStale bool
}

// Create makes a named ring ("/name", visible under /dev/shm) of slotCount
// slots (1..2^31: writers find it full at exactly that many unread
// messages) of slotBytes bytes. opts may be nil. ErrExists if the name is
// taken.
func Create(name string, slotBytes, slotCount uint64, opts *Options) (*Ring, error) {
	cname, err := cName(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	return create(cname, slotBytes, slotCount, opts)
}

// CreateAnonymous makes an anonymous ring (inherited across fork).
func CreateAnonymous(slotBytes, slotCount uint64, opts *Options) (*Ring, error) {
	return create(nil, slotBytes, slotCount, opts)
}

func create(cname *C.char, slotBytes, slotCount uint64, opts *Options) (*Ring, error) {
	var copts *C.shmring_options_t
	if opts != nil {
		if err := call(func() C.int { return C.shmring_options_create(&copts) }); err != nil {
			return nil, err
		}
		defer C.shmring_options_destroy(copts)
		if err := opts.apply(copts); err != nil {
			return nil, err
		}
	}
	var raw *C.shmring_ring_t
	err := call(func() C.int {
		return C.shmring_create(cname, C.uint64_t(slotBytes), C.uint64_t(slotCount), copts, &raw)
	})
	if err != nil {
		return nil, err
	}
	return &Ring{raw: raw}, nil
}

func (o *Options) apply(c *C.shmring_options_t) error {
	type setting struct {
		set bool
		f   func() C.int
	}
	for _, s := range []setting{
		{o.MaxWriters != 0, func() C.int { return C.shmring_options_set_max_writers(c, C.uint32_t(o.MaxWriters)) }},
		{o.MaxReaders != 0, func() C.int { return C.shmring_options_set_max_readers(c, C.uint32_t(o.MaxReaders)) }},
		{o.MaxGroups != 0, func() C.int { return C.shmring_options_set_max_groups(c, C.uint32_t(o.MaxGroups)) }},
		{o.Mode != 0, func() C.int { return C.shmring_options_set_mode(c, C.uint32_t(o.Mode)) }},
		{o.KeepStreamOpen, func() C.int { return C.shmring_options_set_close_on_last_writer(c, 0) }},
		{o.InitialSequence != 0, func() C.int { return C.shmring_options_set_initial_sequence(c, C.uint64_t(o.InitialSequence)) }},
		{o.ReplaceStale, func() C.int { return C.shmring_options_set_replace_stale(c, 1) }},
	} {
		if !s.set {
			continue
		}
		if err := call(s.f); err != nil {
			return err
		}
	}
	return nil
}

// Open attaches to a named ring made by any process in any language,
// waiting up to timeout (Forever: no limit) for one that does not exist yet
// (woken by its creation) or is still being created: ErrNotFound after the
// timeout, saying how long it waited; timeout 0 answers at once.
func Open(name string, timeout time.Duration) (*Ring, error) {
	cname, err := cName(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	var raw *C.shmring_ring_t
	if err := callUntilDone(deadline(timeout), func(d C.int64_t) C.int { return C.shmring_open_until(cname, d, nil, &raw) }); err != nil {
		return nil, err
	}
	return &Ring{raw: raw}, nil
}

// Unlink removes a name; processes attached keep their mapping.
func Unlink(name string) error {
	cname, err := cName(name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	return call(func() C.int { return C.shmring_unlink(cname) })
}

// cName converts a ring or lock name for C once the core has checked all of
// its bytes: C.CString keeps an embedded NUL, where the C string would end
// and name another segment. The caller frees the result.
func cName(name string) (*C.char, error) {
	cname := C.CString(name)
	err := call(func() C.int { return C.shmring_name_check(cname, C.uint64_t(len(name))) })
	if err != nil {
		C.free(unsafe.Pointer(cname))
		return nil, err
	}
	return cname, nil
}

// acquire returns the C ring for a new writer or reader (counted), or an
// ErrClosed error once the ring is closed.
func (r *Ring) acquire() (*C.shmring_ring_t, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.raw == nil {
		return nil, &Error{Code: int(C.SHMRING_ECLOSED), Detail: "the ring was closed in this process", kind: ErrClosed}
	}
	r.handles++
	return r.raw, nil
}

func (r *Ring) releaseHandle() {
	r.mu.Lock()
	r.handles--
	r.mu.Unlock()
}

// Close detaches this process (the name and the stream stay). It fails
// with ErrInvalid while writers or readers of the ring are open.
func (r *Ring) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.raw == nil {
		return nil
	}
	if r.handles > 0 {
		return invalid(fmt.Sprintf("close the ring's %d open writers and readers first", r.handles))
	}
	raw := r.raw
	r.raw = nil
	return call(func() C.int { return C.shmring_close(raw) })
}

// CloseStream ends the stream: writers get ErrClosed, readers drain what
// was written and then get ErrClosed.
func (r *Ring) CloseStream() error {
	return r.with(func(raw *C.shmring_ring_t) C.int { return C.shmring_close_stream(raw) })
}

// WaitForReaders waits until at least n readers have joined the ring (any
// process's, any kind; with group non-empty: members of that group), woken
// by each join. ErrTimeout after timeout (Forever: no limit), saying how
// many had joined. A producer that starts first calls it before writing, so
// that no message goes to nobody.
func (r *Ring) WaitForReaders(n uint32, group string, timeout time.Duration) error {
	var cgroup *C.char
	if group != "" {
		if strings.IndexByte(group, 0) >= 0 {
			return invalid(fmt.Sprintf("group name %q must be 1..31 bytes without NUL", group))
		}
		cgroup = C.CString(group)
		defer C.free(unsafe.Pointer(cgroup))
	}
	raw, err := r.acquire() // counted, not locked: readers may join meanwhile
	if err != nil {
		return err
	}
	defer r.releaseHandle()
	return callUntilDone(deadline(timeout), func(d C.int64_t) C.int {
		return C.shmring_wait_for_readers_until(raw, C.uint32_t(n), cgroup, d)
	})
}

// SkipAllToLatest moves every reader and group to the newest message.
func (r *Ring) SkipAllToLatest() error {
	return r.with(func(raw *C.shmring_ring_t) C.int { return C.shmring_skip_all_to_latest(raw) })
}

// with runs f on the ring handle, holding the lock so Close cannot free it.
func (r *Ring) with(f func(*C.shmring_ring_t) C.int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.raw == nil {
		return &Error{Code: int(C.SHMRING_ECLOSED), Detail: "the ring was closed in this process", kind: ErrClosed}
	}
	return call(func() C.int { return f(r.raw) })
}

// Geometry is a ring's shape and identity, as recorded in its segment.
type Geometry struct {
	Name          string // "" for an anonymous ring
	SlotBytes     uint64
	SlotCount     uint64
	MaxWriters    uint32
	MaxReaders    uint32
	MaxGroups     uint32
	LayoutVersion uint32
	SegmentBytes  uint64
}

// Geometry reads the ring's shape (zero after Close).
func (r *Ring) Geometry() Geometry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.raw == nil {
		return Geometry{}
	}
	g := Geometry{
		SlotBytes:     uint64(C.shmring_slot_bytes(r.raw)),
		SlotCount:     uint64(C.shmring_slot_count(r.raw)),
		MaxWriters:    uint32(C.shmring_max_writers(r.raw)),
		MaxReaders:    uint32(C.shmring_max_readers(r.raw)),
		MaxGroups:     uint32(C.shmring_max_groups(r.raw)),
		LayoutVersion: uint32(C.shmring_layout_version(r.raw)),
		SegmentBytes:  uint64(C.shmring_segment_bytes(r.raw)),
	}
	if name := C.shmring_name(r.raw); name != nil {
		g.Name = C.GoString(name)
	}
	return g
}

// IsClosed reports whether the stream has ended.
func (r *Ring) IsClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw == nil || C.shmring_is_closed(r.raw) != 0
}

// NextSequence is the next sequence number a writer will claim.
func (r *Ring) NextSequence() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.raw == nil {
		return 0
	}
	return uint64(C.shmring_next_sequence(r.raw))
}
