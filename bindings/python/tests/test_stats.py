"""ring.stats(), writer.stats(), reader.stats(): one snapshot of the C
core's counters as frozen dataclasses, and each handle's own entry."""

import dataclasses
import multiprocessing
import os

import pytest

import shmring


def test_ring_stats_count_writes_reads_and_participants(ring):
    writer = ring.writer()
    broadcast, member, lossy = ring.reader(), ring.reader(group="g"), ring.reader(lossy=True)
    for i in range(5):
        writer.write(bytes(i + 1))
    broadcast.read_batch(3)
    member.read()
    s = ring.stats()
    assert (s.next_sequence, s.closed, s.writers, s.readers) == (5, False, 1, 3)
    assert (s.writers_joined, s.writers_reaped, s.readers_reaped, s.slots_abandoned) == (1, 0, 0, 0)
    [w] = s.writer_stats
    assert w == shmring.WriterStats(pid=os.getpid(), alive=True, messages=5, waits=0,
                                    bytes=1 + 2 + 3 + 4 + 5, aborted=0,
                                    entry=writer.stats().entry)
    by_kind = {r.kind: r for r in s.reader_stats}
    assert set(by_kind) == {"broadcast", "member", "lossy"}
    assert (by_kind["broadcast"].position, by_kind["broadcast"].lag,
            by_kind["broadcast"].messages) == (3, 2, 3)
    assert (by_kind["member"].group, by_kind["member"].position, by_kind["member"].messages) == ("g", 1, 1)
    assert (by_kind["lossy"].group, by_kind["lossy"].lag) == (None, 5)
    assert all(r.pid == os.getpid() and r.alive for r in s.reader_stats)


def test_positions_show_skip_all_to_latest_at_once(ring):
    writer = ring.writer()
    readers = [ring.reader(), ring.reader(group="g"), ring.reader(group="g"),
               ring.reader(lossy=True)]
    writer.write_batch([b"a", b"b", b"c"])
    ring.skip_all_to_latest()
    # Before any of them reads again: where the next read starts.
    for reader in readers:
        assert reader.position == 3
        assert (reader.stats().position, reader.stats().lag) == (3, 0)
    writer.write(b"d")
    assert readers[0].read(timeout=0) == b"d"


def test_snapshots_are_frozen_and_do_not_change(ring):
    writer = ring.writer()
    before = ring.stats()
    writer.write(b"x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.next_sequence = 9  # type: ignore[misc]
    assert before.next_sequence == 0 and ring.stats().next_sequence == 1
    assert isinstance(before.writer_stats, tuple) and isinstance(before.reader_stats, tuple)


def test_aborted_reservations_and_the_end_of_the_stream(ring):
    writer = ring.writer()
    with pytest.raises(RuntimeError):
        with writer.reserve(4):
            raise RuntimeError("abort")
    assert writer.stats().aborted == 1
    ring.close_stream()
    assert ring.stats().closed


def test_each_handle_finds_its_own_entry(ring):
    writer = ring.writer()
    first, second = ring.reader(), ring.reader()
    member, lossy = ring.reader(group="g"), ring.reader(lossy=True)
    writer.write_batch([b"a", b"bb", b"ccc"])
    first.read()
    assert writer.stats().bytes == 6
    assert (first.stats().position, first.stats().messages) == (1, 1)
    assert (second.stats().position, second.stats().messages) == (0, 0)
    assert member.stats().group == "g" and member.stats().kind == "member"
    assert lossy.stats().kind == "lossy"


def test_twin_handles_of_one_process_each_find_their_own_entry(ring):
    writer, other_writer = ring.writer(), ring.writer()
    writer.write(b"abc")
    assert (writer.stats().messages, other_writer.stats().messages) == (1, 0)
    assert writer.stats().entry != other_writer.stats().entry
    twin, other_twin = ring.reader(), ring.reader()
    writer.write(b"de")
    twin.read()
    assert (twin.stats().messages, other_twin.stats().messages) == (1, 0)
    first, second = ring.reader(group="g"), ring.reader(group="g")
    assert first.stats().entry != second.stats().entry
    assert len(ring.stats().reader_stats) == 4


def test_a_closed_handle_or_ring_has_no_stats(ring):
    writer = ring.writer()
    writer.close()
    with pytest.raises(shmring.Invalid, match="closed"):
        writer.stats()
    ring.close()
    with pytest.raises(shmring.Invalid, match="closed"):
        ring.stats()


def _write_and_die(ring, count):
    writer = ring.writer()
    for _ in range(count):
        writer.write(b"m")
    os._exit(0)  # without closing: the entry stays, its process is gone


def test_another_process_shows_with_its_pid_and_dies():
    ctx = multiprocessing.get_context("fork")
    with shmring.Ring.create(slot_bytes=8, slot_count=8, close_on_last_writer=False) as ring:
        reader = ring.reader()
        child = ctx.Process(target=_write_and_die, args=(ring, 3))
        child.start()
        child.join()
        [w] = ring.stats().writer_stats
        assert (w.pid, w.alive, w.messages) == (child.pid, False, 3)
        assert reader.stats().lag == 3
