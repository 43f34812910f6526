"""Blocking calls and signals: Ctrl-C interrupts a blocked read, handlers
that return let the wait go on to the same deadline, and waits release the
GIL."""

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


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def test_ctrl_c_interrupts_a_read_that_waits_forever(ring, alarm):
    reader = ring.reader()
    alarm(raise_keyboard_interrupt, 0.1)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        reader.read()
    assert time.monotonic() - start < 5


def test_sigint_interrupts_a_blocked_read_with_keyboard_interrupt(ring):
    """A real Ctrl-C: SIGINT sent to the process, Python's default handler."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    reader = ring.reader()
    timer = threading.Timer(0.1, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            reader.read(timeout=10)
    finally:
        timer.join()


@pytest.mark.parametrize("blocking_call", ["read", "read_into", "view", "read_batch",
                                           "write", "reserve"])
def test_a_handler_exception_interrupts_every_kind_of_wait(ring, alarm, blocking_call):
    writer, reader = ring.writer(), ring.reader()
    if blocking_call in ("write", "reserve"):
        for _ in range(ring.slot_count):
            writer.write(b"fill")
    calls = {
        "read": lambda: reader.read(),
        "read_into": lambda: reader.read_into(bytearray(64)),
        "view": lambda: reader.view().__enter__(),
        "read_batch": lambda: reader.read_batch(4),
        "write": lambda: writer.write(b"blocked"),
        "reserve": lambda: writer.reserve(4).__enter__(),
    }

    def handler(signum, frame):
        raise Alarm

    alarm(handler, 0.05)
    with pytest.raises(Alarm):
        calls[blocking_call]()


def test_handlers_that_return_do_not_stretch_the_deadline(ring, alarm):
    reader = ring.reader()
    ticks = []
    alarm(lambda signum, frame: ticks.append(signum), 0.02, 0.02)
    start = time.monotonic()
    with pytest.raises(shmring.Timeout):
        reader.read(timeout=0.3)
    elapsed = time.monotonic() - start
    assert len(ticks) >= 3  # the wait was interrupted and resumed several times
    assert 0.29 <= elapsed < 1.5  # against the one deadline, not 0.3 s per retry


def test_a_message_after_handled_signals_is_still_read(ring, alarm):
    writer, reader = ring.writer(), ring.reader()
    alarm(lambda signum, frame: None, 0.02, 0.02)
    timer = threading.Timer(0.2, writer.write, args=(b"late",))
    timer.start()
    try:
        assert reader.read(timeout=5) == b"late"
    finally:
        timer.join()


def test_waits_release_the_gil(ring):
    reader = ring.reader()
    counted = []

    def count_while_main_thread_waits():
        n = 0
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            n += 1
        counted.append(n)

    thread = threading.Thread(target=count_while_main_thread_waits)
    thread.start()
    with pytest.raises(shmring.Timeout):
        reader.read(timeout=0.3)
    thread.join()
    assert counted and counted[0] > 1000  # it ran while read() waited
