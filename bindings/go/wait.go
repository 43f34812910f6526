package shmring

// #include "shmring.h"
import "C"

import (
	"context"
	"errors"
)

// untilDone runs a blocking C call that takes a core deadline, again with
// the same deadline while a signal interrupts it (Go's runtime signals
// threads, e.g. for preemption, so this happens in ordinary programs).
func untilDone(deadline C.int64_t, f func(deadline C.int64_t) C.int) C.int {
	for {
		if status := f(deadline); status != C.SHMRING_EINTERRUPTED {
			return status
		}
	}
}

// callUntilDone is untilDone through call: the detail of a failure is read
// on the thread that made the last C call.
func callUntilDone(deadline C.int64_t, f func(deadline C.int64_t) C.int) error {
	return call(func() C.int { return untilDone(deadline, f) })
}

// withContext runs wait (a blocking call taking a core deadline, returning
// an error) until ctx's deadline, or none: ctx's cancellation interrupts it
// at once through interrupt (the handle's shmring_*_interrupt), and it
// returns ctx.Err(). An interrupt that lands after wait returned stays
// pending in the handle: the next wait is interrupted once and retried.
func withContext(ctx context.Context, interrupt func(), wait func(deadline C.int64_t) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	until := C.int64_t(C.SHMRING_FOREVER)
	if d, ok := ctx.Deadline(); ok {
		until = deadlineAt(d)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		interrupt()
		close(fired)
	})
	defer func() {
		if !stop() {
			<-fired // the handle may be closed next: let the interrupt finish
		}
	}()
	for {
		err := wait(until)
		if !errors.Is(err, ErrInterrupted) && !errors.Is(err, ErrTimeout) {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if errors.Is(err, ErrTimeout) {
			return context.DeadlineExceeded // the core's clock was first
		}
	}
}

// untilDoneOr is untilDone, or with retry false one call (withContext
// decides about retries). A bool, not a function value: the closures handed
// to it then stay on the stack.
func untilDoneOr(retry bool, deadline C.int64_t, f func(deadline C.int64_t) C.int) C.int {
	if retry {
		return untilDone(deadline, f)
	}
	return f(deadline)
}

const (
	retrySignals = true  // a call with its own deadline
	callOnce     = false // a call under withContext
)
