"""What shmring.compat's objects share: generated names removed by the
process that made them, and a handle per thread of each process."""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import weakref
from typing import Callable, Generic, TypeVar

from ._errors import NotFound
from ._ring import unlink

_T = TypeVar("_T")
_numbers = itertools.count()


def unique_name(kind: str) -> str:
    """A segment name no other object, process or run uses."""
    return f"/shmring-compat-{kind}-{os.getpid()}-{next(_numbers)}-{secrets.token_hex(4)}"


def unlink_with(owner: object, name: str) -> None:
    """Remove `name` when `owner` is collected, or at exit, in this process
    only (forked children inherit `owner` but leave the name alone).
    Processes attached by then keep their segment."""
    weakref.finalize(owner, _unlink_in, os.getpid(), name)


def _unlink_in(pid: int, name: str) -> None:
    if os.getpid() == pid:
        try:
            unlink(name)
        except NotFound:
            pass


class PerThread(Generic[_T]):
    """A handle made by `open()` for each thread of each process, on its
    first get(): shmring handles belong to one process and one thread."""

    def __init__(self, open: Callable[[], _T]) -> None:
        self._open = open
        self._local = threading.local()

    def get(self) -> _T:
        local = self._local
        pid = os.getpid()
        if getattr(local, "pid", None) != pid:  # first use here, or forked
            local.handle = self._open()
            local.pid = pid
        handle: _T = local.handle
        return handle
