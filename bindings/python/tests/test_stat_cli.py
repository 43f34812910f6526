"""python -m shmring stat NAME: the one-shot --json form (exactly), the live
view's rows and rates, plain and rich rendering, errors."""

import importlib.util
import json
import multiprocessing
import os
import subprocess
import sys

import pytest

import shmring
from shmring._stats import ReaderStats, RingStats, WriterStats
from shmring._statview import rows


def stat(*args, hide_rich=False):
    prelude = "import sys; sys.modules['rich'] = None; " if hide_rich else ""
    code = prelude + "import runpy; runpy.run_module('shmring', run_name='__main__')"
    return subprocess.run([sys.executable, "-c", code, "stat", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})


def test_json_is_one_exact_snapshot(ring, name):
    writer = ring.writer()
    broadcast, member, lossy = ring.reader(), ring.reader(group="grp"), ring.reader(lossy=True)
    writer.write_batch([b"a", b"bb", b"ccc"])
    broadcast.read()
    run = stat(name, "--json")
    assert run.returncode == 0, run.stderr
    pid = os.getpid()
    reader = dict(pid=pid, alive=True, waits=0, missed=0, redelivered=0)
    assert json.loads(run.stdout) == {
        "name": name, "slot_bytes": 64, "slot_count": 8,
        "next_sequence": 3, "closed": False, "writers": 1, "readers": 3,
        "writers_joined": 1, "writers_reaped": 0, "readers_reaped": 0,
        "slots_abandoned": 0,
        "writer_stats": [dict(pid=pid, alive=True, messages=3, waits=0, bytes=6, aborted=0,
                              entry=writer.stats().entry)],
        "reader_stats": [
            dict(reader, kind="broadcast", position=1, lag=2, messages=1, group=None,
                 entry=broadcast.stats().entry),
            dict(reader, kind="member", position=0, lag=3, messages=0, group="grp",
                 entry=member.stats().entry),
            dict(reader, kind="lossy", position=0, lag=3, messages=0, group=None,
                 entry=lossy.stats().entry),
        ],
    }
    assert broadcast and member and lossy


def test_a_ring_of_any_slot_count_shows_that_count(name):
    with shmring.Ring.create(name, slot_bytes=32, slot_count=10) as ring:
        run = stat(name, "--json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["slot_count"] == 10


def test_a_missing_ring_is_an_error(name):
    run = stat(name, "--json")
    assert run.returncode == 1 and "No such file" in run.stderr and not run.stdout


def _leave_a_dead_writer(ring):
    writer = ring.writer()
    writer.write(b"m")
    os._exit(0)  # without closing: the entry stays, its process is gone


def test_plain_view_refreshes_with_rates_and_dead_participants(ring, name):
    child = multiprocessing.get_context("fork").Process(target=_leave_a_dead_writer, args=(ring,))
    child.start()
    child.join()
    reader = ring.reader(group="g")
    run = stat(name, "--plain", "--interval", "0.05", "--count", "2", hide_rich=True)
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.strip().split("\n\n")
    assert first.splitlines()[0].startswith(f"{name}: 8 slots of 64 bytes, next sequence 1, ")
    assert "(0.0/s)" in second.splitlines()[0]
    header, dead_writer, member = first.splitlines()[1:]
    assert header.split()[:4] == ["role", "pid", "alive", "position"]
    assert dead_writer.split()[:3] == ["writer", str(child.pid), "DEAD"]
    assert member.split()[:7] == ["member", "g", str(os.getpid()), "yes", "1", "0", "0"]
    assert member.split()[7] == "-" and second.splitlines()[3].split()[7] == "0.0"
    assert reader


@pytest.mark.skipif(importlib.util.find_spec("rich") is None,
                    reason="rich is not installed (the [cli] extra)")
def test_rich_view_draws_a_table(ring, name):
    writer = ring.writer()
    run = stat(name, "--interval", "0.05", "--count", "2")
    assert run.returncode == 0, run.stderr
    assert "┃ role" in run.stdout and "│ writer" in run.stdout
    assert writer


def _snapshot(next_sequence, written, nbytes, read):
    return RingStats(next_sequence, False, 1, 1, 1, 0, 0, 0,
                     (WriterStats(10, True, written, 0, nbytes, 0, 0),),
                     (ReaderStats(11, True, "broadcast", read, next_sequence - read, read,
                                  0, 0, 0, None, 0),))


def test_rates_come_from_successive_snapshots():
    before, after = _snapshot(10, 10, 1_000_000, 4), _snapshot(30, 30, 5_000_000, 14)
    writer, reader = rows(after, before, 2.0)
    assert (writer.rate, writer.mb_per_second) == (10.0, 2.0)
    assert (reader.rate, reader.lag, reader.position) == (5.0, 16, 14)
    assert all(r.rate is None for r in rows(after, None, 0.0))
