"""shmring: a multiple-writer, multiple-reader ring buffer in shared memory.

    import shmring
    with shmring.Ring.create("/frames", slot_bytes=1 << 20, slot_count=8) as ring:
        with ring.writer() as w:
            w.write(b"hello")

    ring = shmring.Ring.open("/frames")            # in another process
    for message in ring.reader():                      # until end of stream
        ...

See README.md beside this package for the whole API.
"""

from ._core import SHMRING_LAYOUT_VERSION as LAYOUT_VERSION
from ._core import version as library_version
from ._errors import (
    Closed,
    Corrupt,
    Empty,
    Error,
    Exists,
    Full,
    Interrupted,
    Invalid,
    Lapped,
    LimitReached,
    NoMemory,
    NoSpace,
    NotFound,
    PermissionDenied,
    SystemFailure,
    Timeout,
    TooLarge,
    VersionMismatch,
)
from ._aio import AsyncReader, AsyncWriter
from ._arrays import ArrayInfo
from ._arrays import header as array_header
from ._reader import Reader
from ._ring import Ring, unlink
from ._stats import ReaderStats, RingStats, WriterStats
from ._rwlock import RWLock
from ._segments import Participant, SegmentInfo, inspect, remove_stale
from ._writer import Writer

__version__ = "0.1.0"

__all__ = [
    "LAYOUT_VERSION", "library_version", "Ring", "Writer", "Reader", "unlink",
    "RWLock", "inspect", "remove_stale", "SegmentInfo", "Participant",
    "Error", "Full", "Empty", "Timeout", "Closed", "TooLarge", "Interrupted",
    "Corrupt", "VersionMismatch", "NoSpace", "Exists", "NotFound",
    "PermissionDenied", "Invalid", "LimitReached", "Lapped", "NoMemory",
    "SystemFailure",
    "RingStats", "WriterStats", "ReaderStats", "AsyncReader", "AsyncWriter",
    "ArrayInfo", "array_header",
]
