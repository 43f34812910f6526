"""shmring.compat.RingBuffer: the seed's ring buffer on a shmring Ring."""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import time
from typing import TYPE_CHECKING, Any, List, Optional

from ._compat_errors import (
    AlreadyClosedError,
    DataTooLargeError,
    InvalidArgumentError,
    MustCreatedReadersBeforeWritingError,
    WaitingForReaderError,
    WaitingForWriterError,
    WriterFinishedError,
)
from ._compat_lock import ReadersWriterLock
from ._compat_support import PerThread, compat_errors, unique_name, unlink_with
from ._errors import Closed, Empty, Full, Timeout, TooLarge
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
    """Where a pointer is (the seed's Position): `counter` messages since the
    start, which is slot `index` of lap `generation` of a ring of
    `slot_count` slots."""

    def __init__(self, slot_count: int, counter: int = 0) -> None:
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


class _PointerCounter:
    """A ring pointer's `counter` (the seed's RawValue): `.value` is where
    the pointer is; assigning it moves the pointer, as Pointer.set()."""

    __slots__ = ("_pointer",)

    def __init__(self, pointer: "Pointer") -> None:
        self._pointer = pointer

    @property
    def value(self) -> int:
        return self._pointer.get().counter

    @value.setter
    def value(self, counter: int) -> None:
        self._pointer.set(counter)

    def __repr__(self) -> str:
        return f"<counter {self.value}>"


# How long Pointer.set() waits for a message it skips to be published (a
# writer killed while writing it is recovered well within this).
SKIP_TIMEOUT = 10.0


class Pointer:
    """The seed's Pointer: `get()` gives its Position (one object, updated
    by each get()), `set(counter)` and `increment()` move it, `counter.value`
    is where it is.

    Made by RingBuffer.new_reader(), a pointer is a shmring reader group of
    its own: every message reaches it, like a broadcast reader, and its
    position lives in the ring, so any thread or process that has it reads
    from there (each through a member of its own; if several read at once,
    each message goes to one of them). It pickles (by the ring's name and
    the group's). RingBuffer.writer is the writers' pointer: it shows the
    writers' position and cannot be moved. `Pointer(slot_count, start=N)`
    made directly is the seed's free-standing counter in shared memory."""

    def __init__(self, slot_count: int, *, start: Optional[int] = None) -> None:
        self._ring: Optional[Ring] = None
        self._group: Optional[str] = None
        self._members: Optional[PerThread[Reader]] = None
        self.counter: Any = multiprocessing.RawValue(
            ctypes.c_longlong, start if start is not None else 0)
        self.position = Position(slot_count)

    @classmethod
    def _of_ring(cls, ring: Ring, slot_count: int, group: Optional[str]) -> "Pointer":
        self = cls.__new__(cls)
        self._ring = ring
        self._group = group
        self._members = None if group is None else PerThread(lambda: _join(ring, group))
        self.counter = _PointerCounter(self)
        self.position = Position(slot_count)
        return self

    @classmethod
    def _of_value(cls, slot_count: int, counter: Any) -> "Pointer":
        self = cls.__new__(cls)
        self._ring = self._group = self._members = None
        self.counter = counter
        self.position = Position(slot_count)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        if self._ring is None:  # the RawValue pickles for a Process argument
            return (Pointer._of_value, (self.position.slot_count, self.counter))
        return (Pointer._of_ring, (self._ring, self.position.slot_count, self._group))

    def get(self) -> Position:
        if self._ring is None:
            counter = self.counter.value
        elif self._members is None:
            counter = self._ring.next_sequence
        else:
            # Where its next read starts: after force_reader_sync(), the
            # writers' position at once.
            counter = self._members.get().position
        self.position.counter = counter
        return self.position

    def set(self, counter: int) -> None:
        """Move the pointer to `counter`. A reader pointer moves forward, to
        at most the writers' position, skipping the messages in between."""
        if self._ring is None:
            self.counter.value = counter
            return
        member = self._member()
        here, writers = member.position, self._ring.next_sequence
        if not here <= counter <= writers:
            raise InvalidArgumentError(
                f"a reader pointer moves forward, to at most the writers' position: "
                f"{counter} is not in {here}..{writers}")
        deadline = time.monotonic() + SKIP_TIMEOUT
        while member.position < counter:
            try:
                with member.peek(0.05):
                    pass  # skipped
            except Closed:
                return
            except (Empty, Timeout):
                if time.monotonic() > deadline:
                    raise WaitingForWriterError(
                        f"message {member.position} was not written within "
                        f"{SKIP_TIMEOUT} s") from None

    def increment(self) -> None:
        """Move the pointer one message on (a reader pointer: skip it)."""
        self.set(self.get().counter + 1)

    def _member(self) -> Reader:
        """This thread's member of the pointer's group."""
        if self._members is None:
            raise TypeError("only a pointer from new_reader() reads and moves through "
                            "the ring (RingBuffer.writer is the writers' position)")
        with compat_errors():
            return self._members.get()

    def __repr__(self) -> str:
        if self._ring is None:
            return f"<shmring.compat.Pointer counter={self.counter.value}>"
        kind = "writer" if self._group is None else f"reader {self._group}"
        return f"<shmring.compat.Pointer {kind} of {self._ring.name}>"


def _join(ring: Ring, group: str) -> Reader:
    return ring.reader(group=group)


class RingSlots:
    """RingBuffer.array: the ring's slots. It has the seed's SlotArray
    geometry (slot_bytes, slot_count, len()), but its slots are shmring's,
    written and read by its lock-free protocol: read them through a pointer
    and write them with try_write, not by index."""

    def __init__(self, slot_bytes: int, slot_count: int) -> None:
        self.slot_bytes = slot_bytes
        self.slot_count = slot_count

    def __len__(self) -> int:
        return self.slot_count

    def _refuse(self) -> TypeError:
        return TypeError("a RingBuffer's slots are not indexed: read through a pointer "
                         "(try_read, blocking_read) and write with try_write")

    def __getitem__(self, i: int) -> bytearray:
        raise self._refuse()

    def __setitem__(self, i: int, data: object) -> None:
        raise self._refuse()

    def __repr__(self) -> str:
        return (f"<shmring.compat.RingSlots slot_bytes={self.slot_bytes} "
                f"slot_count={self.slot_count}>")


def _message_bytes(data: "Buffer") -> int:
    """The size of a message as the seed measured it (TypeError for str or
    a non-contiguous buffer, as the seed's memoryview cast raised)."""
    return len(memoryview(data).cast("@B"))


class RingBuffer:
    """The seed's RingBuffer on a shmring Ring (see the mapping in the
    package README): new_writer()/writer_done() count the active writers;
    readers come from new_reader() before the first write (they are in
    `readers`); reads return a fresh bytearray; writes take any buffer, and
    find the ring full (WaitingForReaderError) at exactly `slot_count`
    unread messages.

    The ring is named (a generated name, removed when this object goes in
    the process that made it), so the RingBuffer and its pointers can be
    Process arguments under every start method; pointers also pickle on
    their own.
    """

    def __init__(self, *, slot_bytes: int, slot_count: int) -> None:
        if slot_bytes < 0:
            raise InvalidArgumentError(f"slot_bytes must be at least 0, not {slot_bytes}")
        name = unique_name("ring")
        with compat_errors():
            # The core's slots hold at least a byte; try_write keeps the
            # seed's bound of slot_bytes (0: empty messages only).
            ring = Ring.create(name, slot_bytes=max(1, slot_bytes), slot_count=slot_count,
                               max_groups=MAX_POINTERS, max_readers=MAX_READERS,
                               close_on_last_writer=False)
        unlink_with(self, name)
        self._setup(ring, slot_bytes, slot_count, ReadersWriterLock(),
                    multiprocessing.RawValue(ctypes.c_uint, 0), [])

    def _setup(self, ring: Ring, slot_bytes: int, slot_count: int,
               lock: ReadersWriterLock, active: "ctypes.c_uint",
               reader_groups: List[str]) -> None:
        self._ring = ring
        self.slot_bytes = slot_bytes
        self.slot_count = slot_count
        self.array = RingSlots(slot_bytes, slot_count)
        self.lock = lock
        # Writers that called new_writer() and not yet writer_done(); changed
        # under the lock held for writing, as in the seed.
        self.active = active
        self.writer = Pointer._of_ring(ring, slot_count, None)
        # The pointers new_reader() gave (here, or before this RingBuffer
        # was passed to this process), as the seed's list.
        self.readers = [Pointer._of_ring(ring, slot_count, g) for g in reader_groups]
        self._writers: PerThread[Writer] = PerThread(ring.writer)
        # The members that keep the groups of the reader pointers made here
        # (and so their places in the ring) for as long as this RingBuffer
        # lives in this process.
        self._group_keepers: List[Reader] = []

    @classmethod
    def _attach(cls, ring: Ring, slot_bytes: int, slot_count: int,
                lock: ReadersWriterLock, active: "ctypes.c_uint",
                reader_groups: List[str]) -> "RingBuffer":
        self = cls.__new__(cls)
        self._setup(ring, slot_bytes, slot_count, lock, active, reader_groups)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # `active` (multiprocessing.RawValue) pickles only for a Process
        # argument, as the seed's RingBuffer did.
        groups = [p._group for p in self.readers]
        return (RingBuffer._attach, (self._ring, self.slot_bytes, self.slot_count,
                                     self.lock, self.active, groups))

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
                self._ring.close_stream()

    def new_reader(self) -> Pointer:
        """A reader pointer that will see every message; only before the
        first write (else MustCreatedReadersBeforeWritingError)."""
        group = f"seed-{os.getpid()}-{next(_group_numbers)}"
        with compat_errors():
            keeper = self._ring.reader(group=group)
        if keeper.position != 0:
            keeper.close()
            raise MustCreatedReadersBeforeWritingError(
                "new_reader() must be called before the first write")
        self._group_keepers.append(keeper)
        pointer = Pointer._of_ring(self._ring, self.slot_count, group)
        self.readers.append(pointer)
        return pointer

    # ---- the stream --------------------------------------------------------

    def try_write(self, data: "Buffer") -> None:
        """Write one message (any buffer of at most slot_bytes bytes) or
        raise: WaitingForReaderError (full), DataTooLargeError,
        AlreadyClosedError (no active writer); TypeError for str."""
        if not self.active.value:
            raise AlreadyClosedError("no active writer: call new_writer() first")
        if not self.slot_bytes and _message_bytes(data):
            raise DataTooLargeError("%d bytes too big for slot" % _message_bytes(data))
        with compat_errors():
            writer = self._writers.get()
        try:
            writer.try_write(data)
        except Full:
            raise WaitingForReaderError("every slot holds a message a reader has not read") from None
        except TooLarge:
            raise DataTooLargeError("%d bytes too big for slot" % _message_bytes(data)) from None
        except Closed:
            raise AlreadyClosedError("every writer called writer_done()") from None
        except BufferError:
            _message_bytes(data)  # the seed's TypeError for a non-contiguous buffer
            raise

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
        not read is skipped (their get() shows it at once)."""
        self._ring.skip_all_to_latest()

    def _read(self, reader: Pointer, timeout: Optional[float]) -> bytearray:
        try:
            with reader._member().peek(timeout) as message:
                return bytearray(message)
        except Closed:
            raise WriterFinishedError("every writer called writer_done()") from None

    def __repr__(self) -> str:
        return (f"<shmring.compat.RingBuffer slot_bytes={self.slot_bytes} "
                f"slot_count={self.slot_count} active={self.active.value} "
                f"ring={self._ring!r}>")
