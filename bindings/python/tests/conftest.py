"""Fixtures: unique ring names (runs share /dev/shm and pids) and rings that
are closed and unlinked after each test."""

import itertools
import os
import time

import pytest

import shmring

_counter = itertools.count()


def unique_name() -> str:
    return f"/shmring-py-{os.getpid()}-{time.time_ns()}-{next(_counter)}"


@pytest.fixture
def name():
    """A fresh segment name, unlinked after the test if it still exists."""
    n = unique_name()
    yield n
    try:
        shmring.unlink(n)
    except shmring.NotFound:
        pass


@pytest.fixture
def ring(name):
    """A named ring of 8 slots of 64 bytes."""
    with shmring.Ring.create(name, slot_bytes=64, slot_count=8) as r:
        yield r
