"""shmring.RWLock: the C core's robust process-shared readers-writer lock."""

from __future__ import annotations

import contextlib
import os
from typing import Callable, Iterator, Optional

from . import _core
from . import _deprecated
from ._errors import Invalid, Timeout
from ._lifecycle import NamedSegment


class RWLock(NamedSegment):
    """A readers-writer lock shared by processes (shmring_rwlock_*).

    Make one with `RWLock.create(name=None)` or `RWLock.open(name)`. Each
    RWLock object is one *holder*: its holds are its own, shared holds nest
    (`for_read()` inside `for_read()`), and it must not be used by two
    threads at once: give each thread its own with `dup()`. Writers are
    preferred: once one waits, new shared acquires wait behind it (except
    nested ones). A holder whose process dies, even by SIGKILL, loses its
    holds about 250 ms after somebody waits for them.

    A named lock pickles by name (the unpickling process attaches, as a new
    holder), so it can go to children under every start method. An anonymous
    lock (name None) can go to children started by fork() only. In a forked
    child the inherited object becomes a holder of that child's own at its
    first use. `timeout` is seconds, None waits as long as it takes; waits
    release the GIL and Ctrl-C interrupts them.
    """

    _h: Optional[object] = None  # a lock whose making failed has nothing to close
    _name: Optional[str]
    _kind = "lock"
    _pid: int

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("make a lock with shmring.RWLock.create(...) or "
                        "shmring.RWLock.open(name)")

    @classmethod
    def _wrap(cls, handle: object, name: Optional[str]) -> "RWLock":
        lock = cls.__new__(cls)
        lock._h = handle
        lock._name = name
        lock._pid = os.getpid()
        return lock

    @classmethod
    def create(cls, name: Optional[str] = None, *, max_holders: Optional[int] = None,
               mode: Optional[int] = None, replace_stale: bool = False) -> "RWLock":
        """Create a lock. `name` ("/name" or "name") makes it visible to
        every process; None makes it anonymous (fork children only).
        `max_holders`: RWLock objects open on it at once (default 128).
        `mode`: permission bits of a named lock (default 0o600). Raises
        Exists if the name is taken; replace_stale=True: unless by a stale
        segment (nobody recorded in it alive), which is replaced, as for
        Ring.create."""
        flags = _core.SHMRING_REPLACE_STALE if replace_stale else 0
        handle = _core.rwlock_create(name, max_holders or 0, (mode or 0) | flags)
        return cls._wrap(handle, name)

    @classmethod
    def open(cls, name: str, *, timeout: Optional[float] = 1.0) -> "RWLock":
        """Open a named lock as a new holder, waiting up to `timeout`
        seconds for one still being created. Raises NotFound."""
        return cls._wrap(_core.rwlock_open(name, timeout), name)

    #: Deprecated alias of open() (docs/api-map.md), removed in 0.2.
    attach = _deprecated.classmethod_("RWLock", "attach", "open")

    def dup(self) -> "RWLock":
        """A new holder on the same lock, for another thread."""
        return RWLock._wrap(_core.rwlock_dup(self._handle()), self._name)

    # ---- shared (read) holds ---------------------------------------------

    def acquire_read(self, timeout: Optional[float] = None) -> None:
        """Take a shared hold (nested holds count, each needs its release).
        Raises Timeout; Invalid if this holder holds the lock exclusively."""
        _core.rwlock_lock_shared(self._handle(), timeout)

    def try_acquire_read(self) -> bool:
        """Take a shared hold if that is possible now."""
        return _try(_core.rwlock_try_lock_shared, self._handle())

    def release_read(self) -> None:
        _core.rwlock_unlock_shared(self._handle())

    @contextlib.contextmanager
    def for_read(self, timeout: Optional[float] = None) -> Iterator[None]:
        """`with lock.for_read():` a shared hold for the block; nestable."""
        self.acquire_read(timeout)
        try:
            yield
        finally:
            self.release_read()

    def wait_for_write(self, timeout: Optional[float] = None) -> None:
        """Lend this holder's shared hold (all its nesting) to writers: let
        go of it, wait until a writer has had its turn (one that began
        before the call counts), take it back. The hold is back when this
        returns or raises (Timeout if no writer had its turn in time). Like
        a condition variable's wait, recheck what you wait for in a loop: a
        signal handler that returns also ends the wait. Invalid without a
        shared hold."""
        _core.rwlock_wait_for_exclusive(self._handle(), timeout)

    # ---- the exclusive (write) hold ------------------------------------------

    def acquire_write(self, timeout: Optional[float] = None) -> None:
        """Take the exclusive hold (not nestable). Raises Timeout; Invalid if
        this holder holds the lock already (an upgrade would deadlock)."""
        _core.rwlock_lock_exclusive(self._handle(), timeout)

    def try_acquire_write(self) -> bool:
        """Take the exclusive hold if that is possible now."""
        return _try(_core.rwlock_try_lock_exclusive, self._handle())

    def release_write(self) -> None:
        _core.rwlock_unlock_exclusive(self._handle())

    @contextlib.contextmanager
    def for_write(self, timeout: Optional[float] = None) -> Iterator[None]:
        """`with lock.for_write():` the exclusive hold for the block."""
        self.acquire_write(timeout)
        try:
            yield
        finally:
            self.release_write()

    # ---- state ---------------------------------------------------------------

    @property
    def readers(self) -> int:
        """Shared holds now, over every holder (each nested hold counts)."""
        return int(_core.rwlock_state(self._handle())[0])

    @property
    def writer(self) -> bool:
        """True while a writer holds the lock (not while one waits for it)."""
        return bool(_core.rwlock_state(self._handle())[1])

    @property
    def writer_waiting(self) -> bool:
        """True while a writer waits in line for the shared holds to end
        (new shared acquires wait behind it)."""
        return bool(_core.rwlock_waiting(self._handle())[0])

    @property
    def waiters(self) -> int:
        """Waits blocked on this lock now, over every holder and process
        (acquires and wait_for_write; a blocked wait spins briefly between
        50 ms slices, so polling sees it within a slice)."""
        return int(_core.rwlock_waiting(self._handle())[1])

    @property
    def name(self) -> Optional[str]:
        return self._name

    @property
    def closed(self) -> bool:
        return self._h is None

    # ---- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Release this holder's holds and close it (the lock stays for the
        other holders; remove a name with unlink()). Idempotent. In a forked
        child, an inherited holder never used there is only unmapped."""
        handle, self._h = self._h, None
        if handle is not None:
            _core.rwlock_close(handle)

    def __repr__(self) -> str:
        name = "anonymous" if self._name is None else repr(self._name)
        if self._h is None:
            return f"<shmring.RWLock {name} closed>"
        readers, writer = _core.rwlock_state(self._h)
        return f"<shmring.RWLock {name} readers={readers} writer={bool(writer)}>"

    # ---- internals -------------------------------------------------------------

    def _handle(self) -> object:
        handle = self._h
        if handle is None:
            raise Invalid("the lock is closed")
        if self._pid != os.getpid():
            # Inherited across fork(): the holder is the parent's. Become a
            # holder of this process's own; closing the inherited handle here
            # only unmaps it.
            inherited = handle
            self._h = handle = _core.rwlock_dup(inherited)
            self._pid = os.getpid()
            _core.rwlock_close(inherited)
        return handle


def _try(attempt: Callable[[object], None], handle: object) -> bool:
    """An attempt that raises Timeout when the lock is busy, as a bool."""
    try:
        attempt(handle)
    except Timeout:
        return False
    return True
