"""The exceptions of shmring: one base class, one subclass per status code.

Each subclass also derives from the standard exception with the same meaning,
so code written for queue, files or the OS keeps working: Full is a
queue.Full, Timeout a TimeoutError, NotFound a FileNotFoundError, and so on.
The message is the C core's detail for the failure (shmring_last_error).
"""

from __future__ import annotations

import queue

from . import _core


class Error(Exception):
    """Base of every shmring error. `code` is the C status code."""

    code: int = 0


class Full(Error, queue.Full):
    """No free slot (non-blocking write)."""

    code = _core.SHMRING_EFULL


class Empty(Error, queue.Empty):
    """No message ready (non-blocking read)."""

    code = _core.SHMRING_EEMPTY


class Timeout(Error, TimeoutError):
    """The wait's deadline passed."""

    code = _core.SHMRING_ETIMEOUT


class Closed(Error):
    """End of stream (every writer left, or close_stream()), or a closed handle."""

    code = _core.SHMRING_ECLOSED


class TooLarge(Error, ValueError):
    """A message larger than the slot, or than the buffer given to read into."""

    code = _core.SHMRING_ETOOLARGE


class Interrupted(Error, InterruptedError):
    """A wait was interrupted by a signal (the binding retries; rarely seen)."""

    code = _core.SHMRING_EINTERRUPTED


class Corrupt(Error):
    """Not a valid shmring segment, or a message that is not a valid array
    message (docs/messages.md) where one was expected."""

    code = _core.SHMRING_ECORRUPT


class VersionMismatch(Error):
    """The segment's layout version is not the one this library speaks."""

    code = _core.SHMRING_EVERSION


class NoSpace(Error, OSError):
    """Shared memory (/dev/shm) exhausted when creating a ring."""

    code = _core.SHMRING_ENOSPACE


class Exists(Error, FileExistsError):
    """A segment of that name exists already."""

    code = _core.SHMRING_EEXISTS


class NotFound(Error, FileNotFoundError):
    """No segment of that name."""

    code = _core.SHMRING_ENOTFOUND


class PermissionDenied(Error, PermissionError):
    """The OS refused access to the segment."""

    code = _core.SHMRING_EPERMISSION


class Invalid(Error, ValueError):
    """A bad argument, or a call out of order."""

    code = _core.SHMRING_EINVALID


class LimitReached(Error):
    """The ring's writer, reader or group table is full."""

    code = _core.SHMRING_ELIMIT


class Lapped(Error):
    """A lossy reader's zero-copy view was overwritten: discard what was read."""

    code = _core.SHMRING_ELAPPED


class NoMemory(Error, MemoryError):
    """A process-local allocation failed."""

    code = _core.SHMRING_ENOMEM


class SystemFailure(Error, OSError):
    """An unexpected OS error; the message says which."""

    code = _core.SHMRING_ESYSTEM


ERRORS: tuple[type[Error], ...] = (
    Full, Empty, Timeout, Closed, TooLarge, Interrupted, Corrupt,
    VersionMismatch, NoSpace, Exists, NotFound, PermissionDenied, Invalid,
    LimitReached, Lapped, NoMemory, SystemFailure,
)

_core.set_error_classes({cls.code: cls for cls in ERRORS})
