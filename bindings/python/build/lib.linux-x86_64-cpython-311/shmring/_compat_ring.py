"""shmring.compat.RingBuffer: the seed's ring buffer on a shmring Ring."""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
from typing import TYPE_CHECKING, List, Optional

from ._compat_errors import (
    AlreadyClosedError,
    DataTooLargeError,
    MustCreatedReadersBeforeWritingError,
    WaitingForReaderError,
    WaitingForWriterError,
    WriterFinishedError,
)
from ._compat_lock import ReadersWriterLock
from ._compat_support import PerThread, unique_name, unlink_with
from ._errors import Closed, Empty, Full, TooLarge
from ._reader import Reader
from ._ring import Ring
from ._writer import Writer

if TYPE_CHECKING:
    from typing_extensions import Buffer

# Reader pointers per ring (one shmring group each), and readers: a group
# member per thread of each process that reads through a pointer, plus the
# member that keeps the group in the process that made the pointer.
MAX_POINTERS = 256
MAX_READERS = 1024

_group_numbers = itertools.count()


class Position:
    """Where a pointer is: `counter` messages since the start, which is slot
    `index` of lap `generation` of a ring of `slot_count` slots."""

    __slots__ = ("counter", "slot_count")

    def __init__(self, counter: int, slot_count: int) -> None:
        self.counter = counter
        self.slot_count = slot_count

    @property
    def index(self) -> int:
        return self.counter % self.slot_count

    @property
    def generation(self) -> int:
        return self.counter // self.slot_count

    def __repr__(self) -> str:
        return (f"<Position counter={self.counter} index={self.index} "
                f"generation={self.generation}>")


class Pointer:
    """The seed's Pointer: a reader's position (from new_reader()), or the
    writers' (RingBuffer.writer). `get()` gives a Position.

    A reader pointer is a shmring reader group of its own: every message
    reaches it, like a broadcast reader, and its position lives in the ring,
    so any thread or process that has it reads from there (each through a
    member of its own; if several read at once, each message goes to one of
    them). It pickles (by the ring's name and the group's)."""

    def __init__(self, ring: Ring, slot_count: int, group: Optional[str]) -> None:
        self._ring = ring
        self._slot_count = slot_count
        self._group = group
        self._members: Optional[PerThread[Reader]] = (
            None if group is None else PerThread(lambda: ring.reader(group=group)))

    def __reduce__(self) -> tuple[object, ...]:
        return (Pointer, (self._ring, self._slot_count, self._group))

    def get(self) -> Position:
        if self._members is None:
            counter = self._ring.next_sequence
        else:
            counter = self._members.get().position
        return Position(counter, self._slot_count)

    def _member(self) -> Reader:
        """This thread's member of the pointer's group."""
        if self._members is None:
            raise TypeError("RingBuffer.writer is the writers' position; "
                            "read with a pointer from new_reader()")
        return self._members.get()

    def __repr__(self) -> str:
        kind = "writer" if self._group is None else f"reader {self._group}"
        return f"<shmring.compat.Pointer {kind} of {self._ring.name}>"


class RingBuffer:
    """The seed's RingBuffer on a shmring Ring (see the mapping in the
    package README): new_writer()/writer_done() count the active writers;
    readers come from new_reader() before the first write; reads return a
    fresh bytearray; writes take any buffer.

    The ring is named (a generated name, removed when this object goes in
    the process that made it), so the RingBuffer and its pointers can be
    Process arguments under every start method; pointers also pickle on
    their own. Its slot count is `slot_count` rounded up to a power of two:
    writers find it full (WaitingForReaderError) only after that many
    unread messages.
    """

    def __init__(self, *, slot_bytes: int, slot_count: int) -> None:
        if slot_count < 1:
            raise ValueError("slot_count must be at least 1")
        name = unique_name("ring")
        ring = Ring.create(name, slot_bytes=slot_bytes,
                           slot_count=max(2, 1 << (slot_count - 1).bit_length()),
                           max_groups=MAX_POINTERS, max_readers=MAX_READERS,
                           close_on_last_writer=False)
        unlink_with(self, name)
        self._setup(ring, slot_count, ReadersWriterLock(),
                    multiprocessing.RawValue(ctypes.c_uint, 0))

    def _setup(self, ring: Ring, slot_count: int, lock: ReadersWriterLock,
               active: "ctypes.c_uint") -> None:
        self._ring = ring
        self.slot_bytes = ring.slot_bytes
        self.slot_count = slot_count
        self.lock = lock
        # Writers that called new_writer() and not yet writer_done(); changed
        # under the lock held for writing, as in the seed.
        self.active = active
        self.writer = Pointer(ring, slot_count, None)
        self._writers: PerThread[Writer] = PerThread(ring.writer)
        # The members that keep the groups of the reader pointers made here
        # (and so their places in the ring) for as long as this RingBuffer
        # lives in this process.
        self._group_keepers: List[Reader] = []

    @classmethod
    def _attach(cls, ring: Ring, slot_count: int, lock: ReadersWriterLock,
                active: "ctypes.c_uint") -> "RingBuffer":
        self = cls.__new__(cls)
        self._setup(ring, slot_count, lock, active)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # `active` (multiprocessing.RawValue) pickles only for a Process
        # argument, as the seed's RingBuffer did.
        return (RingBuffer._attach, (self._ring, self.slot_count, self.lock, self.active))

    # ---- joining ---------------------------------------------------------------

    def new_writer(self) -> None:
        """Count one more active writer (pair it with writer_done())."""
        with self.lock.for_write():
            self.active.value += 1

    def writer_done(self) -> None:
        """One active writer fewer; after the last, readers get what was
        written and then WriterFinishedError, and try_write raises
        AlreadyClosedError (for good: the stream has ended)."""
        with self.lock.for_write():
            if self.active.value > 0:
                self.active.value -= 1
            if self.active.value == 0:
                self._ring.end_stream()

    def new_reader(self) -> Pointer:
        """A reader pointer that will see every message; only before the
        first write (else MustCreatedReadersBeforeWritingError)."""
        group = f"seed-{os.getpid()}-{next(_group_numbers)}"
        keeper = self._ring.reader(group=group)
        if keeper.position != 0:
            keeper.close()
            raise MustCreatedReadersBeforeWritingError(
                "new_reader() must be called before the first write")
        self._group_keepers.append(keeper)
        return Pointer(self._ring, self.slot_count, group)

    # ---- the stream --------------------------------------------------------

    def try_write(self, data: "Buffer") -> None:
        """Write one message (any buffer of at most slot_bytes bytes) or
        raise: WaitingForReaderError (full), DataTooLargeError,
        AlreadyClosedError (no active writer); TypeError for str."""
        if not self.active.value:
            raise AlreadyClosedError("no active writer: call new_writer() first")
        try:
            self._writers.get().try_write(data)
        except Full:
            raise WaitingForReaderError("every slot holds a message a reader has not read") from None
        except TooLarge as e:
            raise DataTooLargeError(str(e)) from None
        except Closed:
            raise AlreadyClosedError("every writer called writer_done()") from None

    def try_read(self, reader: Pointer) -> bytearray:
        """The reader's next message as a new bytearray, or raise
        WaitingForWriterError (nothing new yet) or WriterFinishedError
        (nothing new, and no writer is active)."""
        try:
            return self._read(reader, 0)
        except Empty:
            if self.active.value:
                raise WaitingForWriterError("nothing new for this reader yet") from None
        # No active writer: what was written before the last writer_done()
        # may have arrived since the first look.
        try:
            return self._read(reader, 0)
        except Empty:
            raise WriterFinishedError("no active writer") from None

    def blocking_read(self, reader: Pointer) -> bytearray:
        """The reader's next message as a new bytearray, waiting for it
        (Ctrl-C interrupts); WriterFinishedError once nothing new will come."""
        if not self.active.value:
            return self.try_read(reader)
        return self._read(reader, None)

    def force_reader_sync(self) -> None:
        """Move every reader pointer to the writers' position: what they had
        not read is skipped."""
        self._ring.skip_all_to_latest()

    def _read(self, reader: Pointer, timeout: Optional[float]) -> bytearray:
        try:
            with reader._member().view(timeout) as message:
                return bytearray(message)
        except Closed:
            raise WriterFinishedError("every writer called writer_done()") from None

    def __repr__(self) -> str:
        return (f"<shmring.compat.RingBuffer slot_bytes={self.slot_bytes} "
                f"slot_count={self.slot_count} active={self.active.value} "
                f"ring={self._ring!r}>")
