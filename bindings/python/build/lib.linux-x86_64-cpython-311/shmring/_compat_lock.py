"""shmring.compat.ReadersWriterLock: the seed's lock on shmring.RWLock."""

from __future__ import annotations

from typing import Callable, ContextManager, Generic, TypeVar

from ._compat_errors import InternalLockingError
from ._compat_support import PerThread, unique_name, unlink_with
from ._errors import Invalid
from ._rwlock import RWLock

_V = TypeVar("_V")

# Holders at once: one per thread of each process that uses the lock.
MAX_HOLDERS = 1024


class StateValue(Generic[_V]):
    """A live value of the lock's state, read as `.value` (the seed kept its
    state in multiprocessing.RawValue objects)."""

    __slots__ = ("_read",)

    def __init__(self, read: Callable[[], _V]) -> None:
        self._read = read

    @property
    def value(self) -> _V:
        return self._read()

    def __repr__(self) -> str:
        return f"<value {self._read()!r}>"


class ReadersWriterLock:
    """A readers-writer lock for threads and processes, as in the seed:
    `for_read()` (nestable), `for_write()`, `wait_for_write()`, and its state
    as `readers.value` (shared holds) and `writer.value` (held for writing).

    Built on shmring.RWLock (a named one, removed when this object goes in
    the process that made it): each thread of each process holds it through
    a holder of its own, so it can be used from any thread and passed to
    children as a Process argument under every start method. Unlike the
    seed's, writers are preferred, and a holder killed by a signal does not
    keep the lock.
    """

    def __init__(self) -> None:
        name = unique_name("lock")
        self._setup(RWLock.create(name, max_holders=MAX_HOLDERS))
        unlink_with(self, name)

    def _setup(self, lock: RWLock) -> None:
        self._lock = lock
        self._holders = PerThread(lock.dup)
        self.readers: StateValue[int] = StateValue(lambda: lock.readers)
        self.writer: StateValue[bool] = StateValue(lambda: lock.writer)

    @classmethod
    def _attach(cls, lock: RWLock) -> "ReadersWriterLock":
        self = cls.__new__(cls)
        self._setup(lock)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (ReadersWriterLock._attach, (self._lock,))

    def for_read(self) -> ContextManager[None]:
        """Hold the lock for reading during the `with` block (nestable)."""
        return self._holders.get().for_read()

    def for_write(self) -> ContextManager[None]:
        """Hold the lock for writing during the `with` block."""
        return self._holders.get().for_write()

    def wait_for_write(self) -> None:
        """Inside for_read(): let writers in until one has had its turn,
        then hold the lock for reading again. May return early (after a
        signal handler ran): recheck what you wait for."""
        try:
            self._holders.get().wait_for_write()
        except Invalid as e:
            raise InternalLockingError(
                "wait_for_write() must be called with the lock held for reading "
                f"(inside for_read()): {e}") from None

    def __repr__(self) -> str:
        return (f"<shmring.compat.ReadersWriterLock readers={self.readers.value} "
                f"writer={self.writer.value}>")
