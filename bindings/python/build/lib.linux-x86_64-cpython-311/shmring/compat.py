"""shmring.compat: the seed library's API (`import ringbuffer`) on shmring.

Code written for the seed runs after changing its import to
`from shmring import compat as ringbuffer`:

    ring = ringbuffer.RingBuffer(slot_bytes=50000, slot_count=10)
    ring.new_writer()
    pointer = ring.new_reader()          # before the first write
    # ... pass ring and pointer to multiprocessing.Process children ...
    ring.try_write(record)               # any buffer; WaitingForReaderError if full
    data = ring.blocking_read(pointer)   # a new bytearray; WriterFinishedError at the end
    ring.writer_done()

How the seed's notions map onto shmring's, and what differs, is in the
package README ("shmring.compat").
"""

from ._compat_errors import (
    AlreadyClosedError,
    DataTooLargeError,
    Error,
    InternalLockingError,
    MustCreatedReadersBeforeWritingError,
    WaitingForReaderError,
    WaitingForWriterError,
    WriterFinishedError,
)
from ._compat_lock import ReadersWriterLock
from ._compat_ring import Pointer, Position, RingBuffer

__all__ = [
    "RingBuffer", "Pointer", "Position", "ReadersWriterLock",
    "Error", "DataTooLargeError", "WaitingForReaderError", "WaitingForWriterError",
    "WriterFinishedError", "AlreadyClosedError", "MustCreatedReadersBeforeWritingError",
    "InternalLockingError",
]
