"""Blocking calls and signals: Ctrl-C interrupts a blocked read, handlers
that return let the wait go on to the same deadline, and waits release the
GIL. Signals are sent once the call is seen blocked (its wait counted in the
ring's statistics, observe.py), never after a guessed delay."""

import signal
import threading
import time

import pytest

import shmring
from observe import HANG_GUARD, await_true, interrupt_when_blocked, new_wait, reader_waits, \
    writer_waits


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


def test_ctrl_c_interrupts_a_read_that_waits_forever(ring):
    reader = ring.reader()
    with pytest.raises(KeyboardInterrupt):
        with interrupt_when_blocked(new_wait(lambda: reader_waits(ring))):
            reader.read()


def test_sigint_interrupts_a_blocked_read_with_keyboard_interrupt(ring):
    """A real Ctrl-C: SIGINT with Python's default handler (installed here:
    a shell that starts the suite in the background starts it with SIGINT
    ignored), sent each time the read begins a new futex wait until it
    returns: one that lands while the core spins is seen only with the next."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    reader = ring.reader()
    blocked = new_wait(lambda: reader_waits(ring))
    returned = threading.Event()
    main = threading.main_thread().ident

    def ctrl_c_while_blocked():
        while not returned.is_set():
            await_true(lambda: returned.is_set() or blocked(), "the read blocked")
            if not returned.is_set():
                signal.pthread_kill(main, signal.SIGINT)

    sender = threading.Thread(target=ctrl_c_while_blocked)
    sender.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            reader.read(timeout=HANG_GUARD)
    finally:
        signal.signal(signal.SIGINT, lambda signum, frame: None)  # absorbs one in flight
        returned.set()
        sender.join()
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("blocking_call", ["read", "read_into", "peek", "read_batch",
                                           "write", "reserve"])
def test_a_handler_exception_interrupts_every_kind_of_wait(ring, blocking_call):
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

    waits = writer_waits if blocking_call in ("write", "reserve") else reader_waits
    with pytest.raises(Alarm):
        with interrupt_when_blocked(new_wait(lambda: waits(ring)), Alarm):
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
    elapsed = time.monotonic() - start
    assert len(ticks) >= 3  # the wait was interrupted and resumed several times
    # Against the one deadline: were it restarted at each retry, a tick
    # every 20 ms would keep the read waiting for ever (the bound is a hang
    # guard, not a measurement).
    assert 0.29 <= elapsed < HANG_GUARD


def test_a_message_after_handled_signals_is_still_read(ring, alarm):
    writer, reader = ring.writer(), ring.reader()
    ticks = []
    alarm(lambda signum, frame: ticks.append(signum), 0.02, 0.02)

    def write_after_handled_signals():
        # Once the read has waited through three handled signals (observed).
        await_true(lambda: len(ticks) >= 3 and reader_waits(ring) > 0, "signals handled")
        writer.write(b"late")

    thread = threading.Thread(target=write_after_handled_signals)
    thread.start()
    try:
        assert reader.read(timeout=HANG_GUARD) == b"late"
    finally:
        thread.join()


def test_waits_release_the_gil(ring):
    writer, reader = ring.writer(), ring.reader()

    def write_while_main_thread_waits():
        # Runs Python code (it needs the GIL) while read() waits: it sees
        # the read blocked, then writes what the read waits for. Were the
        # GIL held, read() would time out instead.
        await_true(lambda: reader_waits(ring) > 0, "the read blocked")
        writer.write(b"from a thread")

    thread = threading.Thread(target=write_while_main_thread_waits)
    thread.start()
    assert reader.read(timeout=HANG_GUARD) == b"from a thread"
    thread.join()
