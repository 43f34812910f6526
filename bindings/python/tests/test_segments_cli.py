"""python -m shmring ls / rm: lists rings and locks with their geometry,
live writers and readers and whether each is stale; rm removes stale ones
only (a live one needs --force, which says whose it was); files that are
not shmring's are skipped with a note. Each test considers only names with
its own unique prefix (other tests share /dev/shm)."""

import json
import os
import struct
import subprocess
import sys

import pytest

import shmring
from conftest import unique_name
from stale_children import kill, start


def cli(*args):
    code = "import runpy; runpy.run_module('shmring', run_name='__main__')"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def prefix():
    """A unique name prefix; every segment under it is removed afterwards."""
    p = unique_name()
    yield p
    for n in shmring._segments.segment_names(p):
        try:
            shmring.unlink(n)
        except shmring.NotFound:
            pass


NEWER = shmring.LAYOUT_VERSION + 1  # the layout version of a newer library


def test_ls_shows_live_stale_other_version_and_foreign(prefix):
    live, stale, lock = prefix + "-live", prefix + "-stale", prefix + "-lock"
    with shmring.Ring.create(live, slot_bytes=4096, slot_count=16) as ring, ring.writer():
        kill(start("creator", stale))
        shmring.RWLock.create(lock).close()          # creator alive: this process
        with open("/dev/shm" + prefix + "-other", "wb") as f:
            f.write(b"not ours")
        with open("/dev/shm" + prefix + "-newer", "wb") as f:  # a newer library's ring
            f.write(b"SHMRING\0" + struct.pack("=II", NEWER, 0x01020304) + bytes(4096 - 16))
        run = cli("ls", "--prefix", prefix)
        assert run.returncode == 0, run.stderr
        lines = {line.split()[0]: line for line in run.stdout.splitlines()}
        assert lines[live].split()[1] == "ring" and "  16 x 4096 B  " in lines[live]
        # (the listing is another process: no "this process" here)
        assert f"live: pid {os.getpid()} (creator), pid {os.getpid()} (writer)" in lines[live]
        assert lines[stale].split()[1] == "ring" and " stale " in lines[stale]
        assert lines[lock].split()[1] == "lock" and "live" in lines[lock]
        newer = lines[prefix + "-newer"]
        assert newer.split()[1] == "other-version" and f"layout version {NEWER}" in newer
        assert run.stdout.splitlines()[-1] == (
            f"skipped 1 file that is not a shmring segment: {prefix}-other")

        listed = json.loads(cli("ls", "--json", "--prefix", prefix).stdout)
        by_name = {s["name"]: s for s in listed["segments"]}
        assert listed["skipped"] == [prefix + "-other"]
        assert by_name[live]["live_writers"] == 1 and not by_name[live]["stale"]
        assert (by_name[live]["slot_count"], by_name[live]["slot_bytes"]) == (16, 4096)
        assert by_name[stale]["stale"] and by_name[stale]["dead_entries"] == 3
        assert by_name[lock]["kind"] == "lock"
        assert by_name[prefix + "-newer"]["kind"] == "other-version"
        assert not by_name[prefix + "-newer"]["stale"]  # never removed by rm --stale


def test_rm_stale_removes_only_stale(prefix):
    live, stale = prefix + "-live", prefix + "-stale"
    with shmring.Ring.create(live, slot_bytes=64, slot_count=8):
        kill(start("creator", stale))
        with open("/dev/shm" + prefix + "-other", "wb") as f:
            f.write(b"not ours")
        run = cli("rm", "--stale", "--prefix", prefix)
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines() == [f"removed {stale} (stale)"]
        assert shmring._segments.segment_names(prefix) == [live, prefix + "-other"]
        assert cli("rm", "--stale", "--prefix", prefix).stdout == "no stale segments\n"


def test_rm_name_refuses_live_unless_forced(prefix):
    name = prefix + "-ring"
    reader_home = prefix + "-made"
    start("made", name).wait(timeout=60)
    reader = start("reader", name)
    try:
        run = cli("rm", name)
        assert run.returncode == 1
        assert f"pid {reader.pid} (reader)" in run.stderr and "not removed" in run.stderr
        assert shmring.inspect(name).kind == "ring"
        run = cli("rm", "--force", name)
        assert run.returncode == 0, run.stderr
        assert run.stdout == f"removed {name} (live: pid {reader.pid} (reader))\n"
        with pytest.raises(shmring.NotFound):
            shmring.inspect(name)
    finally:
        kill(reader)
    with open("/dev/shm" + reader_home, "wb") as f:
        f.write(b"not ours")
    run = cli("rm", "--force", reader_home)
    assert run.returncode == 1 and "is not a shmring segment" in run.stderr
    assert cli("rm").returncode == 2
    missing = cli("rm", prefix + "-missing")
    assert missing.returncode == 1 and "No such file" in missing.stderr
