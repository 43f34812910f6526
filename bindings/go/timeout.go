package shmring

// #include "shmring.h"
import "C"

import "time"

// Forever, as a timeout, waits with no deadline. A timeout of 0 tries once;
// a positive one waits at most that long (then ErrTimeout).
const Forever time.Duration = -1

// Go's monotonic clock is the core's CLOCK_MONOTONIC: one reading of both
// at start-up gives the offset that turns a time.Time into a core deadline
// without a cgo call per wait.
var clockBase = time.Now()
var clockOffset = int64(C.shmring_monotonic_ns()) - int64(time.Since(clockBase))

// deadline converts a timeout to the core's deadline: Forever (any
// negative) has none, 0 tries once, a positive one is counted from now.
func deadline(timeout time.Duration) C.int64_t {
	switch {
	case timeout < 0:
		return C.SHMRING_FOREVER
	case timeout == 0:
		return C.SHMRING_TRY_ONCE
	}
	return deadlineAt(time.Now().Add(timeout))
}

// deadlineAt converts a time (a context's deadline) to the core's deadline.
func deadlineAt(t time.Time) C.int64_t {
	ns := clockOffset + int64(t.Sub(clockBase))
	if ns <= 0 {
		ns = 1 // already past, but not SHMRING_TRY_ONCE: ETIMEOUT after one attempt
	}
	return C.int64_t(ns)
}
