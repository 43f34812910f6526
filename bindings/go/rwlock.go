package shmring

// #include <stdlib.h>
// #include "shmring.h"
import "C"

import (
	"context"
	"sync"
	"time"
	"unsafe"
)

// RWLock is a handle on a readers-writer lock shared by processes in any
// language (the C core's shmring_rwlock_*, the seed library's
// ReadersWriterLock). Each handle is one holder: its shared holds nest
// (each RLock needs its RUnlock), its exclusive hold is not recursive, and
// a process that dies loses its holds about 100-250 ms after somebody waits
// for them. Writers are preferred: once one waits, new shared holds wait
// behind it, except nested ones of a handle that holds the lock already.
//
// A handle is not safe for concurrent use: each goroutine that takes holds
// of its own uses its own handle (Dup). Close releases the handle's holds.
type RWLock struct {
	mu  sync.Mutex // guards raw against a concurrent Close
	raw *C.shmring_rwlock_t
}

// LockState is a snapshot of a lock (RWLock.State).
type LockState struct {
	SharedHolds uint32 // every holder's shared holds, nested ones each counted
	Exclusive   bool   // held exclusively (a writer still waiting does not count)
	// WriterWaiting: a writer waits in line for the shared holds to end
	// (new shared holds wait behind it).
	WriterWaiting bool
	// Waiters: waits blocked on the lock now, over every holder and process
	// (a blocked wait spins briefly between 50 ms slices, so a poll sees it
	// within a slice).
	Waiters uint32
}

// CreateRWLock makes a named lock ("/name", as for rings). maxHolders is
// how many handles may be open at once, in every process together
// (1..65536; 0 = 128); mode the segment's permission bits (0 = 0600),
// optionally | ReplaceStale (a stale lock of that name is replaced).
// ErrExists if the name is taken. Remove the name with Unlink.
func CreateRWLock(name string, maxHolders, mode uint32) (*RWLock, error) {
	cname, err := cName(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	return createRWLock(cname, maxHolders, mode)
}

// CreateAnonymousRWLock makes an anonymous lock (inherited across fork).
func CreateAnonymousRWLock(maxHolders uint32) (*RWLock, error) {
	return createRWLock(nil, maxHolders, 0)
}

func createRWLock(cname *C.char, maxHolders, mode uint32) (*RWLock, error) {
	l := &RWLock{}
	if err := call(func() C.int {
		return C.shmring_rwlock_create(cname, C.uint32_t(maxHolders), C.uint32_t(mode), &l.raw)
	}); err != nil {
		return nil, err
	}
	return l, nil
}

// OpenRWLock attaches to a named lock made by any process in any language,
// waiting up to timeout (Forever: no limit) for one that does not exist yet
// or is still being created (as Open).
// A segment that is not a lock: ErrCorrupt or ErrVersion.
func OpenRWLock(name string, timeout time.Duration) (*RWLock, error) {
	cname, err := cName(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	l := &RWLock{}
	if err := callUntilDone(deadline(timeout), func(d C.int64_t) C.int { return C.shmring_rwlock_open_until(cname, d, nil, &l.raw) }); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *RWLock) handle() (*C.shmring_rwlock_t, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.raw == nil {
		return nil, &Error{Code: int(C.SHMRING_ECLOSED), Detail: "the lock handle was closed", kind: ErrClosed}
	}
	return l.raw, nil
}

// do runs one non-blocking C call on the handle.
func (l *RWLock) do(f func(*C.shmring_rwlock_t) C.int) error {
	raw, err := l.handle()
	if err != nil {
		return err
	}
	return call(func() C.int { return f(raw) })
}

// wait runs one blocking C call on the handle until the deadline (retried
// after signals by untilDone, or once).
func (l *RWLock) wait(until C.int64_t, retry bool, f func(*C.shmring_rwlock_t, C.int64_t) C.int) error {
	raw, err := l.handle()
	if err != nil {
		return err
	}
	return call(func() C.int { return untilDoneOr(retry, until, func(d C.int64_t) C.int { return f(raw, d) }) })
}

// withContext is the package's withContext for a wait of this handle.
func (l *RWLock) withContext(ctx context.Context, f func(*C.shmring_rwlock_t, C.int64_t) C.int) error {
	raw, err := l.handle()
	if err != nil {
		return err
	}
	interrupt := func() { C.shmring_rwlock_interrupt(raw) }
	return withContext(ctx, interrupt, func(until C.int64_t) error { return l.wait(until, callOnce, f) })
}

func lockShared(raw *C.shmring_rwlock_t, d C.int64_t) C.int {
	return C.shmring_rwlock_lock_shared_until(raw, d)
}

func lockExclusive(raw *C.shmring_rwlock_t, d C.int64_t) C.int {
	return C.shmring_rwlock_lock_exclusive_until(raw, d)
}

// Dup returns a new handle (a new holder) on the same lock, e.g. for
// another goroutine. ErrLimit if maxHolders handles are open.
func (l *RWLock) Dup() (*RWLock, error) {
	other := &RWLock{}
	if err := l.do(func(raw *C.shmring_rwlock_t) C.int { return C.shmring_rwlock_dup(raw, &other.raw) }); err != nil {
		return nil, err
	}
	return other, nil
}

// Close releases the handle's holds and closes it. Closing twice is a
// no-op.
func (l *RWLock) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.raw == nil {
		return nil
	}
	raw := l.raw
	l.raw = nil
	return call(func() C.int { return C.shmring_rwlock_close(raw) })
}

// RLock takes a shared hold, waiting up to timeout while a writer holds
// the lock or waits for it (ErrTimeout). A handle that holds it shared
// already gets a nested hold at once; ErrInvalid if it holds it
// exclusively.
func (l *RWLock) RLock(timeout time.Duration) error {
	return l.wait(deadline(timeout), retrySignals, lockShared)
}

// TryRLock takes a shared hold if it is free now, else ErrTimeout.
func (l *RWLock) TryRLock() error {
	return l.do(func(raw *C.shmring_rwlock_t) C.int { return C.shmring_rwlock_try_lock_shared(raw) })
}

// RLockContext is RLock until ctx's deadline (or with none): cancelling
// ctx interrupts the wait at once (shmring_rwlock_interrupt), and it
// returns ctx.Err().
func (l *RWLock) RLockContext(ctx context.Context) error {
	return l.withContext(ctx, lockShared)
}

// RUnlock releases one shared hold of this handle (ErrInvalid without one).
func (l *RWLock) RUnlock() error {
	return l.do(func(raw *C.shmring_rwlock_t) C.int { return C.shmring_rwlock_unlock_shared(raw) })
}

// Lock takes the exclusive hold, waiting up to timeout while anybody else
// holds the lock (ErrTimeout). ErrInvalid if this handle holds it already,
// shared or exclusive (an upgrade would deadlock).
func (l *RWLock) Lock(timeout time.Duration) error {
	return l.wait(deadline(timeout), retrySignals, lockExclusive)
}

// TryLock takes the exclusive hold if it is free now, else ErrTimeout.
func (l *RWLock) TryLock() error {
	return l.do(func(raw *C.shmring_rwlock_t) C.int { return C.shmring_rwlock_try_lock_exclusive(raw) })
}

// LockContext is Lock until ctx's deadline (or with none): cancelling ctx
// interrupts the wait at once, and it returns ctx.Err(). It stays in line
// (writer preference) for the whole wait.
func (l *RWLock) LockContext(ctx context.Context) error {
	return l.withContext(ctx, lockExclusive)
}

// Unlock releases this handle's exclusive hold (ErrInvalid without it).
func (l *RWLock) Unlock() error {
	return l.do(func(raw *C.shmring_rwlock_t) C.int { return C.shmring_rwlock_unlock_exclusive(raw) })
}

// WaitForExclusive is the seed's wait_for_write(): it lends this handle's
// shared hold (all its nesting) to a writer, waits until a writer's
// exclusive hold has ended (one that began before the call counts), and
// takes the shared hold back before returning, whatever the outcome.
// ErrTimeout if no writer had its turn within timeout; ErrInvalid without
// a shared hold.
func (l *RWLock) WaitForExclusive(timeout time.Duration) error {
	return l.wait(deadline(timeout), retrySignals, func(raw *C.shmring_rwlock_t, d C.int64_t) C.int {
		return C.shmring_rwlock_wait_for_exclusive_until(raw, d)
	})
}

// State is a snapshot of every holder's holds and of who waits (what a
// test polls to order events by state instead of by pausing).
func (l *RWLock) State() (LockState, error) {
	var shared, exclusive, waiting, waiters C.uint32_t
	err := l.do(func(raw *C.shmring_rwlock_t) C.int {
		if rc := C.shmring_rwlock_state(raw, &shared, &exclusive); rc != 0 {
			return rc
		}
		return C.shmring_rwlock_waiting(raw, &waiting, &waiters)
	})
	return LockState{SharedHolds: uint32(shared), Exclusive: exclusive != 0,
		WriterWaiting: waiting != 0, Waiters: uint32(waiters)}, err
}
