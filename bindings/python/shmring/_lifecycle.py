"""What every object owning a shared segment or a handle of one shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Optional, Tuple, TypeVar

from . import _core
from ._errors import Invalid

_Self = TypeVar("_Self", bound="ClosesOnExit")


class ClosesOnExit(ABC):
    """close() at the end of a `with` block and when garbage collected."""

    @abstractmethod
    def close(self) -> None:
        """Let go of what this object holds (idempotent)."""

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to report to
            pass


class NamedSegment(ClosesOnExit):
    """A ring or lock segment: named (unlink, pickled by name so that the
    unpickling process attaches) or anonymous (shared with fork children
    only). Subclasses set _name and _kind."""

    _name: Optional[str]
    _kind = "segment"
    _pickling_note = ""

    @classmethod
    @abstractmethod
    def open(cls, name: str) -> "NamedSegment":
        """Open the named segment (what unpickling does)."""

    def unlink(self) -> None:
        """Remove the name (once, by one process); processes attached keep
        using the segment. Raises NotFound if it is gone already."""
        if self._name is None:
            raise Invalid(f"an anonymous {self._kind} has no name to unlink")
        _core.unlink(self._name)

    def __reduce__(self) -> Tuple[object, ...]:
        if self._name is None:
            raise TypeError(
                f"an anonymous shmring.{type(self).__name__} cannot be pickled: it "
                "is shared only with children started by fork() (multiprocessing "
                "start method 'fork'); create it with a name to pass it to spawn "
                f"or forkserver children{self._pickling_note}")
        return (type(self).open, (self._name,))
