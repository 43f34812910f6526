"""How many readers are in a ring and how many writers have joined it, for
the producer's start condition (tests/cross/README.md).

The Python package on this branch has no statistics yet (ring.stats() is
issue #4 work in progress). Until it does, the counts come from the C core's
shmring_stats_* through ctypes, from the libshmring.so that run.sh builds
(SHMRING_CROSS_LIBSHMRING); once ring.stats() exists, it is used instead.
"""

import ctypes
import os
from typing import Callable, Tuple

import shmring

STAT_READERS = 3
STAT_WRITERS_JOINED = 4


def _from_package(ring: shmring.Ring) -> Callable[[], Tuple[int, int]]:
    def counts() -> Tuple[int, int]:
        stats = ring.stats()  # type: ignore[attr-defined]
        return stats.readers, stats.writers_joined
    return counts


def _from_c_library(name: str) -> Callable[[], Tuple[int, int]]:
    path = os.environ.get("SHMRING_CROSS_LIBSHMRING")
    if not path:
        raise RuntimeError("shmring.Ring has no stats() and SHMRING_CROSS_LIBSHMRING "
                           "names no libshmring.so to read statistics with")
    lib = ctypes.CDLL(path)
    p = ctypes.c_void_p
    lib.shmring_open.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.POINTER(p)]
    lib.shmring_stats_read.argtypes = [p, ctypes.POINTER(p)]
    lib.shmring_stats_ring.argtypes = [p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint64)]
    lib.shmring_stats_free.argtypes = [p]
    lib.shmring_last_error.restype = ctypes.c_char_p
    ring = p()
    if lib.shmring_open(name.encode(), 10**10, ctypes.byref(ring)) != 0:
        raise RuntimeError(f"shmring_open({name}): {lib.shmring_last_error().decode()}")

    def counts() -> Tuple[int, int]:
        stats = p()
        if lib.shmring_stats_read(ring, ctypes.byref(stats)) != 0:
            raise RuntimeError(f"shmring_stats_read: {lib.shmring_last_error().decode()}")
        values = []
        for field in (STAT_READERS, STAT_WRITERS_JOINED):
            value = ctypes.c_uint64()
            lib.shmring_stats_ring(stats, field, ctypes.byref(value))
            values.append(value.value)
        lib.shmring_stats_free(stats)
        return values[0], values[1]
    return counts


def counter(ring: shmring.Ring, name: str) -> Callable[[], Tuple[int, int]]:
    """A function returning (readers in use, writers joined) of the ring."""
    if hasattr(ring, "stats"):
        return _from_package(ring)
    return _from_c_library(name)
