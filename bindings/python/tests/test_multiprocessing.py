"""Across processes, under every start method: a writer process and reader
processes (broadcast and a group) exchange messages that each carry a
sequence number and a checksum; every message is verified. Rings are
passed to children as Process arguments and to pool workers, by pickling
(named rings) or by inheritance (anonymous rings, fork only)."""

import concurrent.futures
import multiprocessing

import pytest

import mp_workers
import shmring

MESSAGES = 5000
START_METHODS = [m for m in ("fork", "spawn", "forkserver")
                 if m in multiprocessing.get_all_start_methods()]


def run_pipeline(ctx, ring):
    """One writer process, two broadcast readers and a group of two."""
    ready, results = ctx.Queue(), ctx.Queue()
    groups = [None, None, "workers", "workers"]
    readers = [ctx.Process(target=mp_workers.read_all, args=(ring, g, ready, results))
               for g in groups]
    for p in readers:
        p.start()
    for _ in readers:
        assert ready.get(timeout=60)  # readers see messages written after they join
    writer = ctx.Process(target=mp_workers.write_all, args=(ring, MESSAGES))
    writer.start()
    reports = [results.get(timeout=120) for _ in readers]
    for p in readers + [writer]:
        p.join(timeout=60)
        assert p.exitcode == 0
    return reports


def check_reports(reports):
    everything = list(range(MESSAGES))
    failures = [r for _, r in reports if not isinstance(r, list)]
    assert not failures
    broadcast = [seen for group, seen in reports if group is None]
    assert broadcast == [everything, everything]  # all, in order, once
    members = [seen for group, seen in reports if group == "workers"]
    assert sorted(members[0] + members[1]) == everything  # each to one member
    assert all(m == sorted(m) for m in members)


@pytest.mark.parametrize("method", START_METHODS)
def test_named_ring_across_processes(method, name):
    ctx = multiprocessing.get_context(method)
    with shmring.Ring.create(name, slot_bytes=256, slot_count=16) as ring:
        check_reports(run_pipeline(ctx, ring))


def test_anonymous_ring_across_fork():
    ctx = multiprocessing.get_context("fork")
    with shmring.Ring.create(slot_bytes=256, slot_count=16) as ring:
        check_reports(run_pipeline(ctx, ring))


@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "fork"])
def test_anonymous_ring_cannot_go_to_spawned_children(method):
    ctx = multiprocessing.get_context(method)
    with shmring.Ring.create(slot_bytes=8, slot_count=2) as ring:
        child = ctx.Process(target=print, args=(ring,))
        with pytest.raises(TypeError, match="fork"):
            child.start()


def write_one(ring: shmring.Ring, value: int) -> str:
    with ring.writer() as writer:
        writer.write(b"%d" % value, timeout=30)
    return ring.name


@pytest.mark.parametrize("method", START_METHODS)
def test_pool_workers_attach_by_pickle_and_leave_the_ring_in_place(method, name):
    ctx = multiprocessing.get_context(method)
    with shmring.Ring.create(name, slot_bytes=16, slot_count=16,
                             close_on_last_writer=False) as ring:
        reader = ring.reader()
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
            names = list(pool.map(write_one, [ring] * 4, range(4)))
        assert names == [name] * 4
        assert sorted(reader.read(timeout=5) for _ in range(4)) == [b"0", b"1", b"2", b"3"]
    # No resource tracker unlinked it when the workers exited.
    shmring.Ring.open(name).close()
