package shmring

// #include "shmring.h"
import "C"

import "time"

// Forever, as a timeout, waits with no deadline. A timeout of 0 tries once;
// a positive one waits at most that long (then ErrTimeout).
const Forever time.Duration = -1

// callWaiting is waitRetrying through call: the detail of a failure is
// read on the thread that made the last C call.
func callWaiting(timeout time.Duration, f func(ns C.int64_t) C.int) error {
	return call(func() C.int { return waitRetrying(timeout, f) })
}

// waitRetrying runs a blocking C call with a timeout and returns its
// status, repeating it with the time left while a signal handler
// interrupts it (the Go runtime signals threads, e.g. for preemption, so
// this happens in ordinary programs).
func waitRetrying(timeout time.Duration, f func(ns C.int64_t) C.int) C.int {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	left := timeout
	for {
		status := f(C.int64_t(left))
		if status != C.SHMRING_EINTERRUPTED {
			return status
		}
		if timeout > 0 {
			left = max(time.Until(deadline), 0)
		}
	}
}

// tryThenWait is waitRetrying for the data path (reads, writes, views,
// reservations): with a positive timeout it first makes one attempt with
// timeout 0, which the C wait loop itself begins with and which changes
// nothing when the ring is full or empty, so only a call that must wait
// pays the clock read of the deadline.
func tryThenWait(timeout time.Duration, f func(ns C.int64_t) C.int) C.int {
	if timeout > 0 {
		if status := f(0); status != C.SHMRING_EFULL && status != C.SHMRING_EEMPTY {
			return status
		}
	}
	return waitRetrying(timeout, f)
}
