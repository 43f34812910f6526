"""shmring.Reader: take messages out of the ring, copied or in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

from . import _core
from . import _deprecated
from ._errors import Closed
from ._handle import Handle, ZeroCopy
from ._stats import ReaderStats, own_entry

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from typing_extensions import Buffer

    from ._arrays import ArrayView
    from ._ring import Ring


class Reader(Handle, _core.ReaderBase):
    """A reader of a Ring (`ring.reader(group=None, lossy=False)`), starting
    at the next message written after it joined. `timeout` is seconds; None
    waits as long as it takes (like queue.get), and Ctrl-C interrupts the
    wait. At end of stream, once drained, reads raise Closed and iteration
    stops. Not to be shared between threads.

    read(timeout=None), try_read(), read_into(buffer, timeout=None),
    try_read_into(buffer) and peek(timeout=None) are C methods of
    _core.ReaderBase (csrc/handles.c), which also holds the handle (_h) and
    the peek block in progress (_active): a message costs one call from
    Python, no Python frame."""

    _close_handle = staticmethod(_core.reader_close)

    def __init__(self, ring: "Ring", handle: object, group: Optional[str],
                 lossy: bool) -> None:
        super().__init__(ring, handle)
        self._group = group
        self._lossy = lossy

    # ---- copies ----------------------------------------------------------

    def read_batch(self, max_count: int, timeout: Optional[float] = None) -> List[bytes]:
        """Up to max_count ready messages as new bytes; waits only while none
        is ready."""
        if self._h is None:
            raise self._closed_error()
        return _core.read_batch_bytes(self._h, max_count, timeout)

    def read_batch_into(self, buffer: "Buffer", max_count: int,
                        timeout: Optional[float] = None) -> List[int]:
        """Copy up to max_count ready messages back to back into a writable
        buffer; returns their lengths."""
        if self._h is None:
            raise self._closed_error()
        return _core.read_batch(self._h, buffer, max_count, timeout)

    def __iter__(self) -> Iterator[bytes]:
        """Every message, as bytes, until the end of the stream."""
        read_bytes = _core.read_bytes
        try:
            while True:
                handle = self._h
                if handle is None:
                    raise self._closed_error()
                yield read_bytes(handle, None)
        except Closed:
            return

    # ---- zero copy ----------------------------------------------------------

    def peek_batch(self, max_count: int, timeout: Optional[float] = None) -> "SlotViewBatch":
        """view() for up to max_count consecutive ready messages at once:
        `with reader.peek_batch(16) as messages:` (a list of memoryviews)."""
        if self._h is None:
            raise self._closed_error()
        if max_count < 1:
            raise ValueError("max_count must be at least 1")
        return SlotViewBatch(self, max_count, timeout)

    # ---- NumPy arrays (written by Writer.write_array) ---------------------------

    def read_array(self, timeout: Optional[float] = None) -> "NDArray[Any]":
        """The next message, an array message (docs/messages.md) written by
        write_array() or any binding, as a new NumPy array of its element
        type and shape (one copy). Corrupt if the message is not one (it is
        consumed); ImportError without NumPy."""
        return self.read_array_with_user(timeout)[0]

    def read_array_with_user(self, timeout: Optional[float] = None
                             ) -> "Tuple[NDArray[Any], bytes]":
        """read_array(), and the message's user header (b"" if none)."""
        from ._arrays import read_array

        if self._h is None:
            raise self._closed_error()
        return read_array(self, timeout)

    def peek_array(self, timeout: Optional[float] = None) -> "ArrayView":
        """Zero-copy read_array(): `with reader.peek_array() as a:` gives a
        read-only array over the message in its slot (its `user` attribute
        is the user header; numpy.from_dlpack(a) and other DLPack consumers
        take it without a copy), valid inside the block
        only (as view(): afterwards it shows whatever writers put there).
        Anything made from it that outlives the block (a slice, another
        name) makes the block raise BufferError: copy what you keep."""
        from ._arrays import ArrayView

        if self._h is None:
            raise self._closed_error()
        return ArrayView(self, timeout)

    # ---- position -------------------------------------------------------------

    def skip_to_latest(self) -> int:
        """Jump to the newest message; returns how many were passed over.
        Not for group members (Invalid)."""
        if self._h is None:
            raise self._closed_error()
        return _core.reader_skip_to_latest(self._h)

    @property
    def missed(self) -> int:
        """Messages passed over so far: lapped (lossy) or skipped."""
        if self._h is None:
            raise self._closed_error()
        return _core.reader_missed(self._h)

    @property
    def position(self) -> int:
        """Sequence number of the next message this reader will look at
        (after ring.skip_all_to_latest(), the newest at once)."""
        if self._h is None:
            raise self._closed_error()
        return _core.reader_position(self._h)

    def stats(self) -> ReaderStats:
        """This reader's entry in ring.stats()."""
        if self._h is None:
            raise self._closed_error()
        return own_entry(self._ring.stats().reader_stats,
                         _core.reader_entry_index(self._h), "this reader")

    @property
    def group(self) -> Optional[str]:
        return self._group

    @property
    def lossy(self) -> bool:
        return self._lossy

    # ---- deprecated names (docs/api-map.md), removed in 0.2 ----------------

    view = _deprecated.method("view", "peek")
    view_batch = _deprecated.method("view_batch", "peek_batch")
    view_array = _deprecated.method("view_array", "peek_array")

    def __repr__(self) -> str:
        kind = (f"group={self._group!r}" if self._group is not None
                else "lossy" if self._lossy else "broadcast")
        state = "closed" if self._h is None else f"position={self.position}"
        return f"<shmring.Reader {kind} of {self._ring!r} {state}>"


#: The context manager of Reader.peek(): one read-only memoryview
#: (__enter__ and __exit__ are C methods, csrc/blocks.c).
SlotView = _core.SlotView
ZeroCopy.register(SlotView)


class SlotViewBatch(SlotView):
    """The context manager of Reader.peek_batch(): a list of them."""

    __slots__ = ()

    def __init__(self, reader: Reader, max_count: int, timeout: Optional[float]) -> None:
        super().__init__(reader, timeout, max_count)

    def __enter__(self) -> List[memoryview]:  # type: ignore[override]
        return super().__enter__()  # type: ignore[return-value]

