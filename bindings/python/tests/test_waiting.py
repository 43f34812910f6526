"""Attaching before the ring exists: the consumer starts first and gets the
ring once the producer creates it; NotFound only after the timeout, saying
how long it waited; timeout=0 answers at once."""

import os
import platform
import threading
import time

import pytest

import shmring
from observe import HANG_GUARD, await_true

# ppoll's number: an attach waiting for its name to appear sleeps in it.
PPOLL = {"x86_64": "271", "aarch64": "73"}.get(platform.machine())


def thread_in_ppoll(native_id):
    try:
        with open(f"/proc/self/task/{native_id}/syscall") as f:
            return f.read().split()[0] == PPOLL
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(PPOLL is None, reason="ppoll's number is not known here")
def test_attach_waits_for_the_ring_to_be_created(name):
    result = {}

    def consumer():
        result["id"] = threading.get_native_id()
        with shmring.Ring.open(name, timeout=60) as ring:
            result["slot_count"] = ring.slot_count

    t = threading.Thread(target=consumer)
    t.start()
    # The consumer is first: order by its observed state.
    await_true(lambda: "id" in result and thread_in_ppoll(result["id"]), "the attach waited")
    with shmring.Ring.create(name, slot_bytes=64, slot_count=4):
        t.join(HANG_GUARD)
    assert not t.is_alive()
    assert result["slot_count"] == 4


def test_not_found_after_the_timeout_says_how_long_it_waited(name):
    with pytest.raises(shmring.NotFound) as exc:
        shmring.Ring.open(name, timeout=0)
    assert "waited" not in str(exc.value)
    start = time.monotonic()
    with pytest.raises(shmring.NotFound) as exc:
        shmring.Ring.open(name, timeout=0.02)
    assert time.monotonic() - start >= 0.02
    assert "did not appear (waited 0.0" in str(exc.value)
    with pytest.raises(shmring.NotFound) as exc:
        shmring.RWLock.open(name, timeout=0.01)
    assert "waited" in str(exc.value)


FUTEX = {"x86_64": "202", "aarch64": "98"}.get(platform.machine())


def thread_in(native_id, number):
    try:
        with open(f"/proc/self/task/{native_id}/syscall") as f:
            return f.read().split()[0] == number
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(FUTEX is None, reason="futex's number is not known here")
def test_wait_for_readers_is_woken_by_the_joins(ring):
    ring.wait_for_readers(0, timeout=0)
    with pytest.raises(shmring.Timeout, match="0 of 1 reader"):
        ring.wait_for_readers(1, timeout=0)
    state = {}

    def producer():
        state["id"] = threading.get_native_id()
        ring.wait_for_readers(2, timeout=60)
        state["done"] = True

    t = threading.Thread(target=producer)
    t.start()
    await_true(lambda: "id" in state and thread_in(state["id"], FUTEX), "the producer slept")
    first = ring.reader()
    second = ring.reader(group="g")
    t.join(HANG_GUARD)
    assert state.get("done")
    ring.wait_for_readers(1, group="g", timeout=0)
    with pytest.raises(shmring.Timeout):
        ring.wait_for_readers(2, group="g", timeout=0.001)
    first.close()
    second.close()
