"""What writers and readers share: a C handle owned by one process."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Callable, Optional

from ._errors import Invalid
from ._lifecycle import ClosesOnExit

if TYPE_CHECKING:
    from ._ring import Ring



class ZeroCopy(ABC):
    """A zero-copy block (Writer.reserve, Reader.view) on a handle."""

    __slots__ = ()

    @abstractmethod
    def abandon(self) -> None:
        """The handle is closing: drop the views without touching the ring."""


class Handle(ClosesOnExit):
    """A writer or reader handle of `ring`, valid in the process that opened
    it. A forked child inherits the Python object but not the membership:
    there, close() only forgets it, and the child opens its own."""

    _close_handle: Callable[[object], None]

    def __init__(self, ring: "Ring", handle: object) -> None:
        self._ring = ring
        self._slot_bytes = ring.slot_bytes  # for the C methods (reserve)
        self._h: Optional[object] = handle
        self._pid = os.getpid()
        # The zero-copy block in progress (a reservation or slot views).
        self._active: Optional["ZeroCopy"] = None

    @property
    def ring(self) -> "Ring":
        return self._ring

    @property
    def closed(self) -> bool:
        return self._h is None

    def close(self) -> None:
        """Leave the ring. Idempotent. A zero-copy block in progress loses its
        slot: its views raise ValueError from then on."""
        if self._active is not None:
            self._active.abandon()
            self._active = None
        handle, self._h = self._h, None
        if handle is None:
            return
        if self._pid == os.getpid():
            type(self)._close_handle(handle)
        self._ring._forget()

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(
            f"a shmring {type(self).__name__} belongs to the process that opened it; "
            "pass the Ring and open a new one in the other process")

    def _closed_error(self) -> Invalid:
        return Invalid(f"the {type(self).__name__.lower()} is closed")
