"""Blocking calls and signals: Ctrl-C interrupts a blocked read, handlers
that return let the wait go on to the same deadline, and waits release the
GIL."""

import faulthandler
import os
import signal
import threading
import time

import pytest

import shmring


class Alarm(Exception):
    pass


@pytest.fixture
def alarm():
    """Arms SIGALRM with a handler; disarms and restores afterwards."""
    previous = signal.getsignal(signal.SIGALRM)

    def arm(handler, first, interval=0.0):
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, first, interval)

    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def hang_guard():
    """A wait that ignores signals would block the suite forever: dump the
    stacks and exit after a minute instead (far beyond any correct run)."""
    faulthandler.dump_traceback_later(60, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def once_asleep(reader, action):
    """Runs `action` on a thread as soon as `reader` has gone to sleep in the
    futex (its `waits` count moved), so the signal or message arrives while
    the main thread is really blocked, however slow the machine is."""
    before = reader.stats().waits

    def run():
        while reader.stats().waits == before:
            pass  # spins on the observed state; the main thread waits without the GIL
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def raising_once(exception):
    """A signal handler that raises `exception` the first time only: the
    timers below repeat, so a signal that lands just before the wait's
    futex call (and so does not interrupt it) is followed by one that does."""
    raised = []

    def handler(signum, frame):
        if not raised:
            raised.append(signum)
            raise exception

    return handler


def test_ctrl_c_interrupts_a_read_that_waits_forever(ring, alarm):
    reader = ring.reader()
    with pytest.raises(KeyboardInterrupt):
        alarm(raising_once(KeyboardInterrupt), 0.1, 0.1)
        reader.read()


def test_sigint_interrupts_a_blocked_read_with_keyboard_interrupt(ring):
    """A real Ctrl-C: SIGINT sent to the process, Python's default handler
    (installed here: a shell that starts the suite in the background starts
    it with SIGINT ignored). SIGINT repeats until the read has returned, in
    case the first lands just before the futex call."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    reader = ring.reader()
    returned = threading.Event()

    def interrupt_until_returned():
        while not returned.is_set():
            os.kill(os.getpid(), signal.SIGINT)
            returned.wait(0.1)

    thread = once_asleep(reader, interrupt_until_returned)
    try:
        with pytest.raises(KeyboardInterrupt):
            reader.read(timeout=30)
    finally:
        signal.signal(signal.SIGINT, lambda signum, frame: None)  # absorbs any still in flight
        returned.set()
        thread.join()
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("blocking_call", ["read", "read_into", "peek", "read_batch",
                                           "write", "reserve"])
def test_a_handler_exception_interrupts_every_kind_of_wait(ring, alarm, blocking_call):
    writer, reader = ring.writer(), ring.reader()
    if blocking_call in ("write", "reserve"):
        for _ in range(ring.slot_count):
            writer.write(b"fill")
    calls = {
        "read": lambda: reader.read(),
        "read_into": lambda: reader.read_into(bytearray(64)),
        "peek": lambda: reader.peek().__enter__(),
        "read_batch": lambda: reader.read_batch(4),
        "write": lambda: writer.write(b"blocked"),
        "reserve": lambda: writer.reserve(4).__enter__(),
    }

    with pytest.raises(Alarm):
        alarm(raising_once(Alarm), 0.05, 0.05)
        calls[blocking_call]()


def test_handlers_that_return_do_not_stretch_the_deadline(ring, alarm):
    """Ticks every 20 ms against a 0.3 s timeout: a wait that restarted its
    timeout after each handled signal would never end (the hang guard would
    fire); one that keeps its deadline raises Timeout."""
    reader = ring.reader()
    ticks = []
    alarm(lambda signum, frame: ticks.append(signum), 0.02, 0.02)
    start = time.monotonic()
    with pytest.raises(shmring.Timeout):
        reader.read(timeout=0.3)
    assert time.monotonic() - start >= 0.29
    assert ticks  # the wait was interrupted (and resumed) at least once


def test_a_message_after_handled_signals_is_still_read(ring, alarm):
    writer, reader = ring.writer(), ring.reader()
    alarm(lambda signum, frame: None, 0.02, 0.02)
    thread = once_asleep(reader, lambda: writer.write(b"late"))
    try:
        assert reader.read(timeout=30) == b"late"
    finally:
        thread.join()


def test_waits_release_the_gil(ring):
    """The message can only be written by the other thread while the main
    thread sleeps in read(): if the wait held the GIL, that thread could not
    run and the read would time out."""
    writer, reader = ring.writer(), ring.reader()
    thread = once_asleep(reader, lambda: writer.write(b"from the other thread"))
    try:
        assert reader.read(timeout=30) == b"from the other thread"
    finally:
        thread.join()
