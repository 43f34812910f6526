package shmring

// #include "shmring.h"
import "C"

import (
	"errors"
	"runtime"
)

// Sentinel errors, one per C status code; test with errors.Is. Every error
// returned by this package for a failed C call is an *Error that wraps one.
var (
	ErrFull        = errors.New("shmring: ring full")
	ErrEmpty       = errors.New("shmring: no message")
	ErrTimeout     = errors.New("shmring: timed out")
	ErrClosed      = errors.New("shmring: closed")
	ErrTooLarge    = errors.New("shmring: message too large")
	ErrInterrupted = errors.New("shmring: interrupted by a signal")
	ErrCorrupt     = errors.New("shmring: not a valid segment or message")
	ErrVersion     = errors.New("shmring: version mismatch")
	ErrNoSpace     = errors.New("shmring: shared memory exhausted")
	ErrExists      = errors.New("shmring: segment exists")
	ErrNotFound    = errors.New("shmring: no such segment")
	ErrPermission  = errors.New("shmring: permission denied")
	ErrInvalid     = errors.New("shmring: invalid argument")
	ErrLimit       = errors.New("shmring: participant or group table full")
	ErrLapped      = errors.New("shmring: view overwritten (lossy reader lapped)")
	ErrNoMemory    = errors.New("shmring: out of memory")
	ErrSystem      = errors.New("shmring: system error")
	ErrUnknown     = errors.New("shmring: unknown status")
)

var sentinels = map[C.int]error{
	C.SHMRING_EFULL:        ErrFull,
	C.SHMRING_EEMPTY:       ErrEmpty,
	C.SHMRING_ETIMEOUT:     ErrTimeout,
	C.SHMRING_ECLOSED:      ErrClosed,
	C.SHMRING_ETOOLARGE:    ErrTooLarge,
	C.SHMRING_EINTERRUPTED: ErrInterrupted,
	C.SHMRING_ECORRUPT:     ErrCorrupt,
	C.SHMRING_EVERSION:     ErrVersion,
	C.SHMRING_ENOSPACE:     ErrNoSpace,
	C.SHMRING_EEXISTS:      ErrExists,
	C.SHMRING_ENOTFOUND:    ErrNotFound,
	C.SHMRING_EPERMISSION:  ErrPermission,
	C.SHMRING_EINVALID:     ErrInvalid,
	C.SHMRING_ELIMIT:       ErrLimit,
	C.SHMRING_ELAPPED:      ErrLapped,
	C.SHMRING_ENOMEM:       ErrNoMemory,
	C.SHMRING_ESYSTEM:      ErrSystem,
}

// Error is a failed C call: its status code and the C library's detail
// message (shmring_last_error). It unwraps to the matching sentinel.
type Error struct {
	Code   int    // SHMRING_E* (negative)
	Detail string // the C library's detail for this failure
	kind   error
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.kind.Error()
	}
	return e.kind.Error() + ": " + e.Detail
}

// Unwrap returns the sentinel (ErrFull, ErrClosed, ...).
func (e *Error) Unwrap() error { return e.kind }

// errorOf builds the error of a failed C call from its status and detail.
func errorOf(status C.int, detail string) error {
	kind, ok := sentinels[status]
	if !ok {
		kind = ErrUnknown
	}
	return &Error{Code: int(status), Detail: detail, kind: kind}
}

// invalid is an argument error found before any C call.
func invalid(detail string) error {
	return &Error{Code: int(C.SHMRING_EINVALID), Detail: detail, kind: ErrInvalid}
}

// call runs one C call and turns its status into an error, reading the C
// detail (shmring_last_error is per thread) on the same OS thread. For the
// calls of setup and teardown; the data path uses the wrappers of calls.h.
func call(f func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if status := f(); status != C.SHMRING_OK {
		return errorOf(status, C.GoString(C.shmring_last_error()))
	}
	return nil
}
