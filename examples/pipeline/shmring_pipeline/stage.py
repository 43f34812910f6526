"""What every Python stage process shares: reporting to the orchestrator
(ready, progress, done, failed) over one events queue, and a clean exit on
SIGTERM, Ctrl-C or error (one line to the orchestrator, never a traceback)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict

import cv2

PROGRESS_EVERY_S = 0.2

Event = Dict[str, Any]


@dataclass
class StageContext:
    """A stage's link to the orchestrator. Events are dicts shaped like the
    native stages' JSON lines (PROTOCOL.md), plus `member` and `pid`."""

    stage: str
    member: int
    events: "multiprocessing.Queue[Event]"
    _ready_at: float = field(default=0.0, init=False)
    _cpu_at_ready: float = field(default=0.0, init=False)
    _last_report: float = field(default=0.0, init=False)

    def send(self, event: str, **fields: Any) -> None:
        self.events.put({"stage": self.stage, "member": self.member, "pid": os.getpid(),
                         "event": event, **fields})

    def ready(self) -> None:
        # Time and CPU count from here, as the native stages' do: the work,
        # not importing OpenCV and scikit-learn (seconds of CPU that would
        # swamp a short run's CPU per frame).
        self._ready_at = time.monotonic()
        self._cpu_at_ready = time.process_time()
        self.send("ready")

    def progress(self, frames: int, last_frame: int) -> None:
        """Report now and then (call it for every frame)."""
        _STOP.check()
        now = time.monotonic()
        if now - self._last_report >= PROGRESS_EVERY_S:
            self._last_report = now
            self.send("progress", frames=frames, skipped=0, last_frame=last_frame)

    def done(self, frames: int, last_frame: int, **fields: Any) -> None:
        self.send("done", frames=frames, skipped=0, last_frame=last_frame,
                  cpu_s=time.process_time() - self._cpu_at_ready,
                  elapsed_s=time.monotonic() - self._ready_at,
                  **fields)


class _Stopped(BaseException):  # like KeyboardInterrupt: no `except Exception` takes it
    """The orchestrator sent SIGTERM."""


class _StopSignal:
    """The SIGTERM handler. While the stage's body runs (armed) it raises
    _Stopped, once, which also interrupts a blocked ring wait. Should that
    land in a finalizer (a __del__ closing a handle), where Python only
    reports it to sys.unraisablehook, the next progress() raises it again."""

    def __init__(self) -> None:
        self.armed = False
        self.received = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.armed and not self.received:
            self.received = True
            raise _Stopped()

    def check(self) -> None:
        if self.armed and self.received:
            raise _Stopped()


_STOP = _StopSignal()


def _unraisable(report: "sys.UnraisableHookArgs") -> None:
    if not isinstance(report.exc_value, _Stopped):  # no traceback for a stop
        sys.__unraisablehook__(report)


def run_stage(context: StageContext, body: Callable[..., None], *args: Any) -> None:
    """The target of every stage process: run body(context, *args); exit 0,
    or 1 after reporting the failure, or 130 when stopped."""
    # SIGINT is ignored (inherited from the orchestrator, which alone
    # handles Ctrl-C and then stops the stages with SIGTERM).
    signal.signal(signal.SIGTERM, _STOP)
    sys.unraisablehook = _unraisable
    # The pipeline's parallelism is its processes: OpenCV's own thread pool
    # in each of them would only oversubscribe the cores.
    cv2.setNumThreads(1)
    code = 0
    _STOP.armed = True
    try:
        body(context, *args)
    except _Stopped:
        code = 130
    except Exception as error:  # reported to the orchestrator as one line
        context.send("failed", error=f"{type(error).__name__}: {error}")
        code = 1
    _STOP.armed = False
    sys.exit(130 if _STOP.received else code)
