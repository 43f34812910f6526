"""shmring.compat.SlotArray: the seed's array of slots in shared memory.

Each slot is a 4-byte big-endian length, then up to `slot_bytes` bytes, as
in the seed; `array` is a ctypes array of those slots, the type the seed's
multiprocessing.RawArray has. The memory is a named POSIX shared-memory
file (removed when the SlotArray is collected in the process that made it),
so a SlotArray is a Process argument under every start method (spawn and
forkserver children map it by name; forked ones inherit the mapping).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct
from typing import TYPE_CHECKING, Iterator

from ._compat_errors import DataTooLargeError, InvalidArgumentError
from ._compat_support import unique_name, unlink_with

if TYPE_CHECKING:
    from typing_extensions import Buffer

LENGTH = struct.Struct(">I")  # the seed's slot header
# A length field holds at most this; the seed's slots are no larger either.
MAX_SLOT_BYTES = 2**32 - 1


def _path(name: str) -> str:
    return "/dev/shm" + name


class SlotArray:
    """Fast array of indexable buffers backed by shared memory (the seed's
    SlotArray). Assumes locking happens elsewhere.

    `array[i]` is a new bytearray holding what slot i was last given (empty
    if never); `array[i] = data` takes any buffer of at most slot_bytes bytes
    (else DataTooLargeError); len() is slot_count; iteration yields every
    slot in order."""

    def __init__(self, *, slot_bytes: int, slot_count: int) -> None:
        if not 0 <= slot_bytes <= MAX_SLOT_BYTES or slot_count < 0:
            raise InvalidArgumentError(
                f"slot_bytes must be 0..{MAX_SLOT_BYTES} and slot_count at least 0, "
                f"not {slot_bytes} and {slot_count}")
        name = unique_name("array")
        size = (LENGTH.size + slot_bytes) * slot_count
        fd = os.open(_path(name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if size:
                os.posix_fallocate(fd, 0, size)  # no SIGBUS later: all memory now
            self._setup(name, slot_bytes, slot_count, fd)
        except BaseException:
            os.unlink(_path(name))
            raise
        finally:
            os.close(fd)
        unlink_with(self, name)

    def _setup(self, name: str, slot_bytes: int, slot_count: int, fd: int) -> None:
        self._name = name
        self.slot_bytes = slot_bytes
        self.slot_count = slot_count
        self.length_bytes = LENGTH.size
        slot_type = ctypes.c_byte * (slot_bytes + self.length_bytes)
        size = ctypes.sizeof(slot_type) * slot_count
        memory = mmap.mmap(fd, size) if size else bytearray()
        self.array = (slot_type * slot_count).from_buffer(memory)

    @classmethod
    def _attach(cls, name: str, slot_bytes: int, slot_count: int) -> "SlotArray":
        self = cls.__new__(cls)
        fd = os.open(_path(name), os.O_RDWR)
        try:
            if os.fstat(fd).st_size != (LENGTH.size + slot_bytes) * slot_count:
                raise InvalidArgumentError(f"{name} is not a SlotArray of this geometry")
            self._setup(name, slot_bytes, slot_count, fd)
        finally:
            os.close(fd)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (SlotArray._attach, (self._name, self.slot_bytes, self.slot_count))

    def __getitem__(self, i: int) -> bytearray:
        data = memoryview(self.array[i])
        (length,) = LENGTH.unpack_from(data, 0)
        start = self.length_bytes
        # A copy: the slot may be overwritten as soon as this returns. A
        # length beyond the slot (shared memory someone scribbled on) is
        # cut at the slot's end, as the seed's slicing did.
        return bytearray(data[start:start + min(length, self.slot_bytes)])

    def __setitem__(self, i: int, data: "Buffer") -> None:
        data_view = memoryview(data).cast("@B")
        data_size = len(data_view)
        if data_size > self.slot_bytes:
            raise DataTooLargeError("%d bytes too big for slot" % data_size)
        slot_view = memoryview(self.array[i]).cast("@B")
        LENGTH.pack_into(slot_view, 0, data_size)
        start = self.length_bytes
        slot_view[start:start + data_size] = data_view

    def __len__(self) -> int:
        return self.slot_count

    def __iter__(self) -> Iterator[bytearray]:
        for i in range(self.slot_count):
            yield self[i]

    def __repr__(self) -> str:
        return (f"<shmring.compat.SlotArray slot_bytes={self.slot_bytes} "
                f"slot_count={self.slot_count} {self._name}>")
