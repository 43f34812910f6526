"""What every Python stage process shares: reporting to the orchestrator
(ready, progress, done, failed) over one events queue, and a clean exit on
SIGTERM, Ctrl-C or error (one line to the orchestrator, never a traceback)."""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import multiprocessing

PROGRESS_EVERY_S = 0.5

Event = Dict[str, Any]


@dataclass
class StageContext:
    """A stage's link to the orchestrator. Events are dicts shaped like the
    native stages' JSON lines (PROTOCOL.md), plus `member` and `pid`."""

    stage: str
    member: int
    events: "multiprocessing.Queue[Event]"

    def __post_init__(self) -> None:
        self._started = time.monotonic()
        self._last_report = 0.0

    def send(self, event: str, **fields: Any) -> None:
        self.events.put({"stage": self.stage, "member": self.member, "pid": os.getpid(),
                         "event": event, **fields})

    def ready(self) -> None:
        self.send("ready")

    def progress(self, frames: int, last_frame: int) -> None:
        """Report now and then (call it for every frame)."""
        now = time.monotonic()
        if now - self._last_report >= PROGRESS_EVERY_S:
            self._last_report = now
            self.send("progress", frames=frames, skipped=0, last_frame=last_frame)

    def done(self, frames: int, last_frame: int, **fields: Any) -> None:
        self.send("done", frames=frames, skipped=0, last_frame=last_frame,
                  cpu_s=time.process_time(), elapsed_s=time.monotonic() - self._started,
                  **fields)


class _Terminated(Exception):
    pass


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated()


def run_stage(context: StageContext, body: Callable[..., None], *args: Any) -> None:
    """The target of every stage process: run body(context, *args); exit 0,
    or 1 after reporting the failure, or 130 when stopped."""
    # SIGTERM interrupts blocked waits like Ctrl-C does, so the stage leaves
    # its ring handles closed.
    signal.signal(signal.SIGTERM, _raise_terminated)
    code: Optional[int] = 0
    try:
        body(context, *args)
    except (KeyboardInterrupt, _Terminated):
        code = 130
    except Exception as error:  # reported to the orchestrator as one line
        context.send("failed", error=f"{type(error).__name__}: {error}")
        code = 1
    sys.exit(code)
