package shmring

// #include "shmring.h"
import "C"

import (
	"errors"
	"time"
)

// Forever, as a timeout, waits with no deadline. A timeout of 0 tries once;
// a positive one waits at most that long (then ErrTimeout).
const Forever time.Duration = -1

// callWaiting runs a blocking C call with a timeout and repeats it with the
// time left while a signal handler interrupts it (the Go runtime signals
// threads, e.g. for preemption, so this happens in ordinary programs).
func callWaiting(timeout time.Duration, f func(ns C.int64_t) C.int) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	left := timeout
	for {
		err := call(func() C.int { return f(C.int64_t(left)) })
		if !errors.Is(err, ErrInterrupted) {
			return err
		}
		if timeout > 0 {
			left = max(time.Until(deadline), 0)
		}
	}
}
