"""shmring.RWLock: holds and their nesting, writer preference, lending a
hold to writers, threads (dup), processes (fork and spawn), a holder killed
by SIGKILL, Ctrl-C during a blocked acquire, pickling and errors. Events
are ordered by the lock's observed state (writer_waiting, waiters,
readers), polled with a hang guard (observe.py), never by pausing."""

import multiprocessing
import os
import pickle
import signal
import threading
import time

import pytest

import lock_workers
import shmring
from observe import HANG_GUARD, await_true, interrupt_when_blocked

START_METHODS = [m for m in ("fork", "spawn", "forkserver")
                 if m in multiprocessing.get_all_start_methods()]


@pytest.fixture
def lock():
    with shmring.RWLock.create() as lk:
        yield lk


@pytest.fixture
def named_lock(name):
    with shmring.RWLock.create(name) as lk:
        yield lk


def in_thread(call, *args):
    """Start call(*args) in a thread; returns (thread, outcome list)."""
    outcome = []

    def run():
        try:
            outcome.append(call(*args))
        except BaseException as e:  # reported to the test
            outcome.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_shared_holds_nest_and_each_counts(lock):
    other = lock.dup()
    with lock.for_read():
        with lock.for_read():
            assert (lock.readers, lock.writer) == (2, False)
            assert not other.try_acquire_write()
        assert lock.readers == 1
    assert lock.readers == 0
    assert other.try_acquire_write()
    assert (lock.readers, lock.writer) == (0, True)
    other.release_write()
    other.close()


def test_exclusive_hold_keeps_out_readers_and_writers(lock):
    reader, writer = lock.dup(), lock.dup()
    with lock.for_write():
        assert lock.writer
        assert not reader.try_acquire_read()
        assert not writer.try_acquire_write()
        with pytest.raises(shmring.Timeout):
            reader.acquire_read(timeout=0.05)
    assert reader.try_acquire_read()
    reader.release_read()


def test_an_upgrade_or_a_release_not_held_is_invalid(lock):
    with lock.for_read():
        with pytest.raises(shmring.Invalid, match="upgrade"):
            lock.acquire_write(timeout=0)
    with pytest.raises(shmring.Invalid):
        lock.release_read()
    with pytest.raises(shmring.Invalid):
        lock.release_write()


def test_threads_with_their_own_holders_exclude_each_other(lock):
    total = {"n": 0}
    seen_torn = []

    def work():
        mine = lock.dup()
        for i in range(300):
            if i % 3:
                with mine.for_write():
                    n = total["n"]
                    os.sched_yield()  # invites another thread in: only the lock keeps it out
                    total["n"] = n + 1
            else:
                with mine.for_read():
                    before = total["n"]
                    os.sched_yield()
                    if total["n"] != before:
                        seen_torn.append(before)
        mine.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert total["n"] == 4 * 200
    assert not seen_torn


def test_a_waiting_writer_keeps_new_readers_out_for_longer_than_a_wait_slice(lock):
    reader, writer, latecomer = lock.dup(), lock.dup(), lock.dup()
    reader.acquire_read()
    thread, outcome = in_thread(writer.acquire_write, HANG_GUARD)
    await_true(lambda: lock.writer_waiting, "the writer in line")
    assert not lock.writer and outcome == []
    # Writer preference, kept for longer than the binding's 50 ms wait
    # slices (the writer never steps out of line): the latecomer waits
    # behind the writer the whole time, and never gets in by trying.
    with pytest.raises(shmring.Timeout):
        latecomer.acquire_read(timeout=0.2)
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:
        assert not latecomer.try_acquire_read()
    with reader.for_read():  # a nested acquire of a holder does not wait
        pass
    assert lock.writer_waiting
    reader.release_read()
    thread.join(timeout=HANG_GUARD)
    assert outcome == [None] and lock.writer and not lock.writer_waiting
    writer.release_write()
    assert latecomer.try_acquire_read()
    latecomer.release_read()


def test_wait_for_write_lends_the_hold_until_a_writer_had_its_turn(lock):
    writer = lock.dup()
    turns = []

    def write_once():
        # Only once the hold is lent (observed): the writer comes after the
        # reader began to wait, the case wait_for_write is for.
        await_true(lambda: writer.readers == 0 and writer.waiters > 0, "the hold lent")
        with writer.for_write():
            turns.append("write")

    with lock.for_read():
        with lock.for_read():
            thread, outcome = in_thread(write_once)
            lock.wait_for_write(timeout=HANG_GUARD)
            assert turns == ["write"]
            assert lock.readers == 2  # the nesting is back
    thread.join()
    assert outcome == [None]


def test_wait_for_write_times_out_with_the_hold_back(lock):
    with lock.for_read():
        start = time.monotonic()
        with pytest.raises(shmring.Timeout):
            lock.wait_for_write(timeout=0.2)
        assert time.monotonic() - start >= 0.19
        assert lock.readers == 1


def test_wait_for_write_needs_a_shared_hold(lock):
    with pytest.raises(shmring.Invalid):
        lock.wait_for_write(timeout=0)


@pytest.mark.parametrize("method", START_METHODS)
def test_processes_exclude_each_other(method, named_lock):
    ctx = multiprocessing.get_context(method)
    counter = ctx.RawValue("i", 0)
    children = [ctx.Process(target=lock_workers.count_under_write_lock,
                            args=(named_lock, counter, 200)) for _ in range(3)]
    for p in children:
        p.start()
    lock_workers.count_under_write_lock(named_lock, counter, 200)
    for p in children:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert counter.value == 4 * 200


def test_an_anonymous_lock_goes_to_fork_children(lock):
    ctx = multiprocessing.get_context("fork")
    counter = ctx.RawValue("i", 0)
    children = [ctx.Process(target=lock_workers.count_under_write_lock,
                            args=(lock, counter, 200)) for _ in range(3)]
    for p in children:
        p.start()
    for p in children:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert counter.value == 3 * 200


def test_a_fork_child_is_a_holder_of_its_own(lock):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    with lock.for_read():
        child = ctx.Process(target=lock_workers.report_fork_holder, args=(lock, results))
        child.start()
        # The child cannot write past our hold; its read is its own (the
        # parent's one hold + the child's).
        assert results.get(timeout=30) == (False, True, 2)
        child.join(timeout=30)
        assert child.exitcode == 0
        assert lock.readers == 1


@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "fork"])
def test_an_anonymous_lock_cannot_go_to_spawned_children(method, lock):
    child = multiprocessing.get_context(method).Process(target=print, args=(lock,))
    with pytest.raises(TypeError, match="fork"):
        child.start()


@pytest.mark.parametrize("exclusive", [True, False], ids=["writer", "reader"])
def test_sigkill_of_a_holder_releases_its_hold(named_lock, exclusive):
    ctx = multiprocessing.get_context("fork")
    held = ctx.Event()
    child = ctx.Process(target=lock_workers.hold_until_killed,
                        args=(named_lock, exclusive, held))
    child.start()
    try:
        assert held.wait(timeout=30)
        assert not named_lock.try_acquire_write()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
    # The dead holder's hold ends (the timeout is a hang guard, not a bound
    # on how fast: that depends on the machine).
    named_lock.acquire_write(timeout=HANG_GUARD)
    assert (named_lock.readers, named_lock.writer) == (0, True)
    named_lock.release_write()


@pytest.mark.parametrize("blocked", ["acquire_read", "acquire_write", "wait_for_write"])
def test_ctrl_c_interrupts_a_blocked_wait(lock, blocked):
    other = lock.dup()
    if blocked == "acquire_read":
        lock.acquire_write()
    elif blocked == "acquire_write":
        lock.acquire_read()
    else:
        other.acquire_read()
    with pytest.raises(KeyboardInterrupt):
        # Interrupted once the call is blocked (observed): a finite
        # timeout, so that a missed signal is Timeout, not a hang.
        with interrupt_when_blocked(lambda: lock.waiters > 0):
            getattr(other, blocked)(timeout=HANG_GUARD)
    # Nothing is left behind: the writer left the line, or the lent hold is back.
    expected = {"acquire_read": (0, True), "acquire_write": (1, False),
                "wait_for_write": (1, False)}[blocked]
    assert (lock.readers, lock.writer) == expected
    if blocked == "acquire_write":
        lock.release_read()
        assert lock.try_acquire_read()  # no writer left waiting in line
        lock.release_read()


def test_a_named_lock_pickles_by_name(named_lock):
    copy = pickle.loads(pickle.dumps(named_lock))
    assert copy.name == named_lock.name
    with copy.for_write():
        assert named_lock.writer and not named_lock.try_acquire_read()
    copy.close()


def test_an_anonymous_lock_does_not_pickle(lock):
    with pytest.raises(TypeError, match="fork"):
        pickle.dumps(lock)


def test_lifecycle_and_errors(name):
    with pytest.raises(TypeError, match="RWLock.create"):
        shmring.RWLock()
    with pytest.raises(shmring.NotFound):
        shmring.RWLock.open(name, timeout=0)
    lock = shmring.RWLock.create(name, max_holders=2)
    assert repr(lock) == f"<shmring.RWLock {name!r} readers=0 writer=False>"
    with pytest.raises(shmring.Exists):
        shmring.RWLock.create(name)
    second = shmring.RWLock.open(name)
    with pytest.raises(shmring.LimitReached):
        second.dup()  # max_holders=2
    lock.unlink()
    with second.for_read():  # holders keep using an unlinked lock
        assert lock.readers == 1
    lock.close()
    lock.close()
    assert lock.closed and repr(lock) == f"<shmring.RWLock {name!r} closed>"
    with pytest.raises(shmring.Invalid, match="closed"):
        lock.acquire_read()
    with pytest.raises(shmring.Invalid, match="anonymous"):
        shmring.RWLock.create().unlink()
