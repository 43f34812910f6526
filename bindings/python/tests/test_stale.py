"""Ring.create(replace_stale=True), RWLock.create(replace_stale=True),
shmring.inspect and shmring.remove_stale: a segment whose every recorded
process was SIGKILLed is replaced; a live or stopped one is not, and the
error names its pids."""

import os
import signal

import pytest

import shmring
from stale_children import kill, start


def test_killed_participant_is_replaced(name):
    child = start("creator", name)
    with pytest.raises(shmring.Exists, match=f"pid {child.pid} "):
        shmring.Ring.create(name, slot_bytes=64, slot_count=8, replace_stale=True)
    kill(child)
    info = shmring.inspect(name)
    assert (info.kind, info.stale, info.live, info.dead_entries) == ("ring", True, (), 3)
    assert (info.slot_bytes, info.slot_count, info.creator_pid) == (64, 8, child.pid)
    with pytest.raises(shmring.Exists):               # only with the option
        shmring.Ring.create(name, slot_bytes=64, slot_count=8)
    with shmring.Ring.create(name, slot_bytes=128, slot_count=4, replace_stale=True) as ring:
        assert (ring.slot_bytes, ring.next_sequence) == (128, 0)
        assert shmring.inspect(name).creator_pid == os.getpid()


def test_live_reader_is_kept_and_named(name):
    start("made", name).wait(timeout=60)            # the creator is gone
    reader = start("reader", name)
    try:
        info = shmring.inspect(name)
        assert not info.stale and info.live_readers == 1 and not info.creator_alive
        assert info.live == (shmring.Participant(reader.pid, "reader"),)
        with pytest.raises(shmring.Exists, match=rf"pid {reader.pid} \(reader\)"):
            shmring.Ring.create(name, slot_bytes=64, slot_count=8, replace_stale=True)
        with pytest.raises(shmring.Exists, match=rf"pid {reader.pid} \(reader\).*not removed"):
            shmring.remove_stale(name)
        os.kill(reader.pid, signal.SIGSTOP)         # stopped is alive
        os.waitpid(reader.pid, os.WUNTRACED)
        with pytest.raises(shmring.Exists, match=rf"pid {reader.pid} \(reader\)"):
            shmring.Ring.create(name, slot_bytes=64, slot_count=8, replace_stale=True)
        assert shmring.inspect(name).live == info.live
    finally:
        kill(reader)
    shmring.remove_stale(name)
    with pytest.raises(shmring.NotFound):
        shmring.inspect(name)


def test_lock_is_replaced_once_its_holder_is_killed(name):
    holder = start("lock", name)
    info = shmring.inspect(name)
    assert (info.kind, info.live_holders, info.max_holders) == ("lock", 1, 4)
    with pytest.raises(shmring.Exists, match=rf"pid {holder.pid} \(lock holder\)"):
        shmring.RWLock.create(name, replace_stale=True)
    kill(holder)
    assert shmring.inspect(name).stale
    with shmring.RWLock.create(name, replace_stale=True, mode=0o600) as lock:
        assert lock.try_acquire_write()
        lock.release_write()


def test_foreign_file_is_kept(name):
    with open("/dev/shm" + name, "wb") as f:
        f.write(b"somebody else's data")
    info = shmring.inspect(name)
    assert (info.kind, info.stale, info.is_shmring) == ("foreign", False, False)
    with pytest.raises(shmring.Exists, match="not a shmring segment"):
        shmring.Ring.create(name, slot_bytes=64, slot_count=8, replace_stale=True)
    with open("/dev/shm" + name, "rb") as f:
        assert f.read() == b"somebody else's data"


def test_own_live_ring_is_not_stale(ring, name):
    info = shmring.inspect(name)
    assert info.creator_alive and not info.stale
    assert shmring.Participant(os.getpid(), "creator") in info.live
    with pytest.raises(shmring.Exists, match=rf"pid {os.getpid()} \(creator, this process\)"):
        shmring.Ring.create(name, slot_bytes=64, slot_count=8, replace_stale=True)


def test_errors(name):
    with pytest.raises(shmring.NotFound):
        shmring.inspect(name)
    with pytest.raises(shmring.NotFound):
        shmring.remove_stale(name)
    with pytest.raises(shmring.Invalid):
        shmring.inspect("a/b")
