"""shmring.Ring: create or attach a ring, and open writers and readers on it."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Optional, TypeVar

from . import _core
from . import _deprecated
from ._errors import Invalid
from ._lifecycle import NamedSegment

if TYPE_CHECKING:
    from ._handle import Handle
    from ._reader import Reader
    from ._stats import RingStats
    from ._writer import Writer

_H = TypeVar("_H", bound="Handle")


class Ring(NamedSegment):
    """A ring of `slot_count` slots of `slot_bytes` bytes in shared memory.

    Make one with `Ring.create(...)` or `Ring.open(name)`. Like
    `multiprocessing.shared_memory.SharedMemory`, `close()` detaches this
    process (and closes the writers and readers it opened here) while
    `unlink()` removes the name; the `with` block closes, it never unlinks.

    A named ring pickles by name: the unpickling process attaches to it, so
    it can be passed to children under every start method (fork, spawn,
    forkserver) and to Pool and ProcessPoolExecutor workers. An anonymous
    ring (name None) lives only in this process and its fork() children: it
    can be passed to a child started with the "fork" start method, and
    cannot be pickled.
    """

    _h: Optional[object] = None  # a ring whose making failed has nothing to close
    _name: Optional[str]
    _kind = "ring"
    _pickling_note = " or to Pool workers"
    _slot_bytes: int
    _slot_count: int
    # The writers and readers opened here: weakly, so that one dropped by its
    # user closes itself; and counted, because the garbage collector clears
    # weak references before it runs finalizers: the segment is unmapped only
    # once every handle has closed (see close and _forget).
    _handles: "weakref.WeakSet[Handle]"
    _open_handles: int
    _closing: bool

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("make a ring with shmring.Ring.create(...) or shmring.Ring.open(name)")

    @classmethod
    def _wrap(cls, handle: object) -> "Ring":
        """A Ring around a ring handle of shmring._core."""
        ring = cls.__new__(cls)
        ring._h = handle
        ring._name = _core.name(handle)
        ring._slot_bytes = _core.slot_bytes(handle)
        ring._slot_count = _core.slot_count(handle)
        ring._handles = weakref.WeakSet()
        ring._open_handles = 0
        ring._closing = False
        return ring

    @classmethod
    def create(
        cls,
        name: Optional[str] = None,
        *,
        slot_bytes: int,
        slot_count: int,
        max_writers: Optional[int] = None,
        max_readers: Optional[int] = None,
        max_groups: Optional[int] = None,
        mode: Optional[int] = None,
        close_on_last_writer: bool = True,
        initial_sequence: Optional[int] = None,
        replace_stale: bool = False,
    ) -> "Ring":
        """Create a ring. `name` ("/name" or "name") makes it visible under
        /dev/shm to every process; None makes it anonymous (fork children
        only). All its memory is reserved now: NoSpace here, never a crash
        later. `slot_count` (1 .. 2**31) is exactly the number of unread
        messages at which writers find the ring full. Defaults of the C core: 64
        writers, 128 readers, 32 groups, mode 0o600, the stream ends when the
        last writer that joined closes (close_on_last_writer=False: only at
        close_stream()), first sequence 0. Raises Exists if the name is taken.
        replace_stale=True: a stale segment of that name (every process
        recorded in it is dead, e.g. a crashed run's) is removed and the
        ring made in its place; a live one is not, and Exists names its
        live pids (see shmring.inspect).
        """
        options = _core.options_create()
        try:
            if max_writers is not None:
                _core.options_set_max_writers(options, max_writers)
            if max_readers is not None:
                _core.options_set_max_readers(options, max_readers)
            if max_groups is not None:
                _core.options_set_max_groups(options, max_groups)
            if mode is not None:
                _core.options_set_mode(options, mode)
            _core.options_set_close_on_last_writer(options, int(close_on_last_writer))
            if initial_sequence is not None:
                _core.options_set_initial_sequence(options, initial_sequence)
            _core.options_set_replace_stale(options, int(replace_stale))
            handle = _core.create(name, slot_bytes, slot_count, options)
        finally:
            _core.options_destroy(options)
        return cls._wrap(handle)

    @classmethod
    def open(cls, name: str, *, timeout: Optional[float] = 1.0) -> "Ring":
        """Open (attach to) the named ring made by any process, in any language,
        waiting up to `timeout` seconds (None: forever) for one that does
        not exist yet (woken by its creation) or is still being created.
        Raises NotFound (after the timeout, saying how long it waited;
        timeout=0 answers at once), Corrupt or VersionMismatch."""
        return cls._wrap(_core.open(name, timeout))

    # ---- lifecycle -------------------------------------------------------

    def close(self) -> None:
        """Close this process's writers and readers of the ring, then detach
        (the name and the stream stay). Idempotent."""
        if self._h is None or self._closing:
            return
        self._closing = True
        for member in list(self._handles):
            member.close()
        if self._open_handles == 0:
            self._detach()

    def __repr__(self) -> str:
        name = "anonymous" if self._name is None else repr(self._name)
        if self.closed:
            return f"<shmring.Ring {name} closed>"
        state = " stream ended" if self.stream_closed else ""
        return (f"<shmring.Ring {name} slot_bytes={self._slot_bytes} "
                f"slot_count={self._slot_count} next_sequence={self.next_sequence}{state}>")

    # ---- the stream --------------------------------------------------------

    def writer(self) -> "Writer":
        """Join as a writer (one per thread)."""
        from ._writer import Writer

        return self._track(Writer(self, _core.writer_open(self._handle())))

    def reader(self, group: Optional[str] = None, lossy: bool = False) -> "Reader":
        """Join as a reader (one per thread), starting at the next message
        written. group None: a broadcast reader, sees every message and
        writers wait for it. group "name": a member of that group, each
        message goes to one member. lossy=True (no group): never holds
        writers back; when lapped it skips ahead and counts `missed`."""
        from ._reader import Reader

        flags = _core.SHMRING_READER_LOSSY if lossy else 0
        return self._track(Reader(self, _core.reader_open(self._handle(), group, flags),
                                  group, lossy))

    def close_stream(self) -> None:
        """End the stream now: writers get Closed, readers drain what was
        written and then get Closed (iteration ends)."""
        _core.close_stream(self._handle())

    def skip_all_to_latest(self) -> None:
        """Move every reader and group to the newest message, so writers stop
        waiting for them (the seed's force_reader_sync)."""
        _core.skip_all_to_latest(self._handle())

    def wait_for_readers(self, n: int, *, timeout: Optional[float] = None,
                         group: Optional[str] = None) -> None:
        """Wait until at least `n` readers have joined the ring (any
        process's, any kind; with `group`: members of that group), woken by
        each join. Raises Timeout after `timeout` seconds (None: forever),
        saying how many had joined. A producer that starts first calls this
        before writing, so that no message goes to nobody."""
        if not 0 <= n < 2**32:
            raise ValueError("n must be 0..2**32-1")
        _core.wait_for_readers(self._handle(), n, group, timeout)

    def stats(self) -> "RingStats":
        """A snapshot of the ring's counters and of every writer and reader
        (any process's): see shmring.RingStats."""
        from ._stats import snapshot

        return snapshot(self._handle())

    # ---- geometry and state ------------------------------------------------

    @property
    def name(self) -> Optional[str]:
        """The segment name ("/name"), None for an anonymous ring."""
        return self._name

    @property
    def slot_bytes(self) -> int:
        """Largest message, in bytes."""
        return self._slot_bytes

    @property
    def slot_count(self) -> int:
        return self._slot_count

    @property
    def max_writers(self) -> int:
        return _core.max_writers(self._handle())

    @property
    def max_readers(self) -> int:
        return _core.max_readers(self._handle())

    @property
    def max_groups(self) -> int:
        return _core.max_groups(self._handle())

    @property
    def layout_version(self) -> int:
        return _core.layout_version(self._handle())

    @property
    def segment_bytes(self) -> int:
        """Total bytes of the shared-memory segment."""
        return _core.segment_bytes(self._handle())

    @property
    def next_sequence(self) -> int:
        """Sequence number the next write will get."""
        return _core.next_sequence(self._handle())

    @property
    def stream_closed(self) -> bool:
        """True once the stream has ended (readers drain, then get Closed)."""
        return _core.is_closed(self._handle())

    @property
    def closed(self) -> bool:
        """True once this process has closed (detached from) the ring."""
        return self._h is None or self._closing

    # ---- internals ---------------------------------------------------------

    def _handle(self) -> object:
        if self._h is None or self._closing:
            raise Invalid("the ring is closed")
        return self._h

    def _track(self, handle: _H) -> _H:
        self._handles.add(handle)
        self._open_handles += 1
        return handle

    def _forget(self) -> None:
        """A writer or reader of this ring has closed."""
        self._open_handles -= 1
        if self._closing and self._open_handles == 0:
            self._detach()

    def _detach(self) -> None:
        ring_handle, self._h = self._h, None
        if ring_handle is not None:
            _core.close(ring_handle)

    # ---- deprecated names (docs/api-map.md), removed in 0.2 ----------------

    attach = _deprecated.classmethod_("Ring", "attach", "open")
    end_stream = _deprecated.method("end_stream", "close_stream")
    stream_ended = _deprecated.property_("stream_ended", "stream_closed")


def unlink(name: str) -> None:
    """Remove a ring's name without attaching to it."""
    _core.unlink(name)
