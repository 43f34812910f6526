"""Ordering a test's events by what it observes, never by pausing: poll a
condition (a lock's state, a ring's statistics) until it holds, with a hang
guard that is no measurement of speed (a slow machine only takes longer)."""

import os
import signal
import threading
import time

#: Seconds an awaited state may take to appear before the test fails.
HANG_GUARD = 30.0


def await_true(condition, what, timeout=HANG_GUARD):
    """Poll condition() until it is true; AssertionError after timeout."""
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"{what}: not seen in {timeout:g} s")
        os.sched_yield()


def reader_waits(ring):
    """Futex waits for data so far, over the ring's readers (a reader
    blocked in a read adds one per wait slice)."""
    return sum(r.waits for r in ring.stats().reader_stats)


def writer_waits(ring):
    """Futex waits for space so far, over the ring's writers."""
    return sum(w.waits for w in ring.stats().writer_stats)


def new_wait(waits):
    """A condition that holds each time waits() has grown since it last
    held: the observed blocked call has begun a new wait."""
    seen = [waits()]

    def grown():
        now = waits()
        if now > seen[0]:
            seen[0] = now
            return True
        return False
    return grown


class interrupt_when_blocked:
    """With this, `exception` (default KeyboardInterrupt, Ctrl-C's) is
    raised in the main thread by a signal handler each time `blocked()` says
    its call is blocked, again and again until the block ends, as a user
    presses Ctrl-C again: a signal that lands while the core spins between
    its futex waits is only seen with the next one. The signal is SIGALRM,
    sent to the main thread only."""

    def __init__(self, blocked, exception=KeyboardInterrupt):
        self._blocked = blocked
        self._exception = exception
        self._done = threading.Event()
        self.sent = 0

    def _send(self):
        main = threading.main_thread().ident
        while not self._done.is_set():
            await_true(lambda: self._done.is_set() or self._blocked(), "the call blocked")
            if self._done.is_set():
                return
            signal.pthread_kill(main, signal.SIGALRM)
            self.sent += 1
            # Until the call has left that wait (or begun another).
            await_true(lambda: self._done.is_set() or not self._blocked(), "the call woke")

    def __enter__(self):
        def handler(signum, frame):
            raise self._exception

        self._previous = signal.signal(signal.SIGALRM, handler)
        self._thread = threading.Thread(target=self._send, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        self._thread.join(HANG_GUARD)
        signal.signal(signal.SIGALRM, self._previous)
