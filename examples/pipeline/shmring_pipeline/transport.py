"""How frames and detection results travel between the Python stages: the
ends each stage asks its Channels for, whatever carries them: two shmring
rings (ring_transport.py, zero copy) or multiprocessing.Queue
(queue_transport.py, for the comparison of --transport queue). Both kinds of
Channels pickle, so they are handed to spawned stage processes."""

from __future__ import annotations

import os
from typing import Callable, ContextManager, Optional, Protocol

#: A full ring or queue for this long means a stage is stuck: give up.
STALL_S = 30.0
#: Blocking waits wake up this often to notice that the orchestrator is gone.
POLL_S = 1.0

FrameHandler = Callable[[memoryview], None]


class StageGone(Exception):
    """The orchestrator died: a stage left alone stops."""


class Stuck(Exception):
    """A ring or queue stayed full for STALL_S: its reader is stuck. (Not
    shmring.Timeout, which a frame reader's loop takes for "no frame yet".)"""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} stayed full for {STALL_S:.0f} s")


def check_parent(parent: int) -> None:
    """StageGone once the process that started this one (pid `parent`) is gone."""
    if os.getppid() != parent:
        raise StageGone("the orchestrator is gone")


class FrameOutput(Protocol):
    def slot(self, nbytes: int) -> ContextManager[memoryview]:
        """A writable message of nbytes, sent when the block ends."""

    def close(self) -> None:
        """End of stream."""


class FrameInput(Protocol):
    def each(self, handle: FrameHandler) -> None:
        """Call handle(message) for every frame until end of stream. The
        message is valid only during the call."""


class ResultOutput(Protocol):
    def put(self, message: bytes) -> None: ...

    def close(self) -> None: ...


class ResultInput(Protocol):
    def get(self) -> Optional[bytes]:
        """The next result, None at end of stream."""


class Channels(Protocol):
    def frame_output(self) -> FrameOutput: ...

    def frame_input(self, stage: str) -> FrameInput: ...

    def result_output(self) -> ResultOutput: ...

    def result_input(self) -> ResultInput: ...
