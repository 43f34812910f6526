"""shmring.Writer: copy messages into the ring, or fill slots in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence, Tuple, Union

from . import _core
from ._handle import Handle, ZeroCopy
from ._stats import WriterStats, own_entry

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from ._arrays import ArrayReservation
    from typing_extensions import Buffer


class Writer(Handle, _core.WriterBase):
    """A writer of a Ring (`ring.writer()`). Data is any C-contiguous buffer:
    bytes, bytearray, memoryview, array.array, NumPy arrays; it is copied
    straight into the slot. `timeout` is seconds, None waits for space as
    long as it takes. Not to be shared between threads.

    With close_on_last_writer (the default), the stream ends when the last
    writer that joined closes.

    write(data, timeout=None), try_write(data) and reserve(nbytes,
    timeout=None) are C methods of _core.WriterBase (csrc/handles.c), which
    also holds the handle (_h) and the reservation in progress (_active): a
    message costs one call from Python, no Python frame."""

    _close_handle = staticmethod(_core.writer_close)

    def write_batch(self, messages: Sequence["Buffer"],
                    timeout: Optional[float] = None) -> int:
        """Write messages in order; waits only while not even one fits.
        Returns how many were written (a prefix of `messages`)."""
        if self._h is None:
            raise self._closed_error()
        return _core.write_batch(self._h, messages, timeout)

    def write_array(self, array: "ArrayLike", timeout: Optional[float] = None, *,
                    user: bytes = b"", bfloat16: bool = False) -> None:
        """Write a NumPy array (or anything numpy.asarray takes) as one array
        message (docs/messages.md) that Reader.read_array() and peek_array(),
        and the Rust, Go and C readers, turn back into an array of the same
        element type and shape: a header, then the data in C order, copied
        once, straight into the slot (a strided or Fortran-order source is
        copied into C order). `user`: up to 4096 bytes of your own (a frame
        number, a timestamp) carried in the header. bfloat16=True: a uint16
        array holds bfloat16 bits. TypeError for dtypes the format has no
        type for (structured, strings, objects, float128 ...); TooLarge if
        header and data do not fit in a slot; ImportError without NumPy."""
        from ._arrays import write_array

        if self._h is None:
            raise self._closed_error()
        write_array(self, array, timeout, user, bfloat16)

    def reserve_array(self, shape: Union[int, Tuple[int, ...]], dtype: "DTypeLike",
                      timeout: Optional[float] = None, *, user: bytes = b"",
                      bfloat16: bool = False) -> "ArrayReservation":
        """Zero-copy write_array(): `with writer.reserve_array((h, w), "u1")
        as a:` gives a writable array of that shape and dtype inside the next
        slot (after the header, on a 64-byte boundary); fill it in place, and
        the block's end commits it as one message (an exception aborts it).
        As with reserve(), anything made from `a` that outlives the block (a
        slice, another name) aborts the message with BufferError."""
        from ._arrays import ArrayReservation

        if self._h is None:
            raise self._closed_error()
        return ArrayReservation(self, shape, dtype, timeout, user, bfloat16)

    def stats(self) -> WriterStats:
        """This writer's entry in ring.stats()."""
        if self._h is None:
            raise self._closed_error()
        return own_entry(self._ring.stats().writer_stats,
                         _core.writer_entry_index(self._h), "this writer")

    def __repr__(self) -> str:
        state = "closed" if self._h is None else "open"
        return f"<shmring.Writer of {self._ring!r} {state}>"


#: The context manager of Writer.reserve(): claims the slot on entry,
#: commits or aborts it on exit (__enter__ and __exit__ are C methods,
#: csrc/blocks.c).
Reservation = _core.Reservation
ZeroCopy.register(Reservation)
