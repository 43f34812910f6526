"""The names docs/api-map.md replaced, kept for one release (until 0.2).

Each alias warns with a DeprecationWarning naming its replacement, then does
exactly what the replacement does.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable


def warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated (removed in shmring 0.2): use {new}",
                  DeprecationWarning, stacklevel=3)


def method(old: str, new: str) -> Callable[..., Any]:
    """An instance method `old` that calls the method `new`."""

    def alias(self: Any, *args: Any, **kwargs: Any) -> Any:
        warn(f"{type(self).__name__}.{old}()", f"{new}()")
        return getattr(self, new)(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of {new}() (removed in 0.2)."
    return alias


def classmethod_(owner: str, old: str, new: str) -> Any:
    """A class method `old` that calls the class method `new`."""

    def alias(cls: Any, *args: Any, **kwargs: Any) -> Any:
        warn(f"{owner}.{old}()", f"{owner}.{new}()")
        return getattr(cls, new)(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of {owner}.{new}() (removed in 0.2)."
    return classmethod(alias)


def property_(old: str, new: str) -> Any:
    """A read-only property `old` that reads the attribute `new`."""

    def alias(self: Any) -> Any:
        warn(f"{type(self).__name__}.{old}", new)
        return getattr(self, new)

    alias.__name__ = old
    alias.__doc__ = f"Deprecated alias of {new} (removed in 0.2)."
    return property(alias)
