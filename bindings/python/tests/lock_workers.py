"""Process bodies for test_rwlock.py (importable by spawn and forkserver
children)."""

import os
import time

import shmring


def count_under_write_lock(lock: shmring.RWLock, counter, times: int) -> None:
    """Add 1 to counter.value `times` times, by a read, a pause and a write
    that only mutual exclusion keeps from losing updates."""
    for _ in range(times):
        with lock.for_write():
            value = counter.value
            os.sched_yield()
            counter.value = value + 1


def hold_until_killed(lock: shmring.RWLock, exclusive: bool, held) -> None:
    """Take the lock, say so, and keep it until SIGKILL."""
    (lock.acquire_write if exclusive else lock.acquire_read)()
    held.set()
    while True:
        time.sleep(60)  # the hold itself: kept until the test kills this process


def report_fork_holder(lock: shmring.RWLock, results) -> None:
    """In a fork child whose parent holds the lock shared: this process is a
    holder of its own (a writer cannot get in; nested reads are its own)."""
    results.put((lock.try_acquire_write(), lock.try_acquire_read(), lock.readers))
    lock.release_read()
    lock.close()
