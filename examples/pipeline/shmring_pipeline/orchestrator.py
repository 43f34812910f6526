"""The orchestrator: makes the rings (or queues), starts every stage, starts
the source once all readers are in, watches progress, and stops everything
(and removes the rings) however the run ends. Every wait has a timeout: a
stage that dies or stops moving ends the run with StageFailed."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import shmring

from .capture import SourceSpec
from .detector import run_detector
from .errors import StageFailed
from .features import run_features
from .native import NativeStage, native_programs
from .sink import run_sink
from .source import run_source
from .stage import Event, StageContext, run_stage
from .queue_transport import QueueChannels
from .ring_transport import RingChannels, create_rings
from .transport import STALL_S, Channels
from .wire import FrameHeader

READY_TIMEOUT_S = 60.0   # spawned stages import OpenCV and scikit-learn first
EXIT_TIMEOUT_S = 10.0
SAMPLE_EVERY_S = 0.25
RATE_WINDOW_S = 1.0      # frames/s are shown over this window
FRAME_SLOTS = 8          # frames in flight per reader: 8 x 6 MB at 1080p

#: Stage names in display order; detector members share the row "detector".
STAGES = ["source", "detector", "features", "sink", "stats", "liveview"]


@dataclass(frozen=True)
class RunOptions:
    spec: SourceSpec
    fps: float
    detectors: int
    out_dir: Path
    sink_width: int
    bin_dir: Optional[Path]   # None: no native stages (always so over queues)
    transport: str            # "shmring" or "queue"


@dataclass
class StageState:
    """What the orchestrator knows of one stage process."""

    name: str          # a row of STAGES
    label: str         # "detector 1"
    frames: int = 0
    skipped: int = 0
    ready: bool = False
    done: Optional[Event] = None
    pid: Optional[int] = None


@dataclass
class Sample:
    """One look at the pipeline: frames and ring lag per stage row."""

    t: float
    frames: Dict[str, int]
    lag: Dict[str, int]
    dropped: Dict[str, int]

    def rate_since(self, earlier: "Sample", name: str) -> float:
        """Frames per second of one stage row between two samples."""
        seconds = self.t - earlier.t
        done = self.frames.get(name, 0) - earlier.frames.get(name, 0)
        return done / seconds if seconds > 0 else 0.0


@dataclass
class RunResult:
    transport: str
    frames: int
    wall_s: float
    stages: Dict[str, Dict[str, Any]]   # per row: frames, cpu_s, members, outputs
    samples: List[Sample] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s else 0.0

    def python_cpu_ms_per_frame(self) -> float:
        """CPU of the Python stages (the ones both transports run) per frame."""
        cpu = sum(s["cpu_s"] for name, s in self.stages.items()
                  if name not in ("stats", "liveview"))
        return 1000 * cpu / self.frames if self.frames else 0.0


Display = Callable[[Dict[str, StageState], Sample], None]


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Stages started in here ignore SIGINT (an ignored signal stays ignored
    across exec): Ctrl-C in the terminal reaches every process of the group,
    but only the orchestrator acts on it, stopping the stages in order."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Pipeline:
    def __init__(self, options: RunOptions, display: Display) -> None:
        self.options = options
        self._display = display
        self._context = multiprocessing.get_context("spawn")
        self._events: "multiprocessing.Queue[Event]" = self._context.Queue()
        self._native_events: "queue.SimpleQueue[Event]" = queue.SimpleQueue()
        self._states: Dict[str, StageState] = {}
        self._processes: Dict[str, BaseProcess] = {}
        self._native: Dict[str, NativeStage] = {}
        self._samples: List[Sample] = []
        self._frames_ring: Optional[shmring.Ring] = None
        self._channels: Optional[Channels] = None

    # ---- the run ---------------------------------------------------------

    def run(self) -> RunResult:
        options = self.options
        options.out_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as cleanup:
            cleanup.callback(self._stop_all)
            self._channels = self._make_channels(cleanup)
            if options.bin_dir is not None:
                self._start_native(options.bin_dir)
            for member in range(options.detectors):
                self._start_python("detector", member, run_detector)
            self._start_python("features", 0, run_features, str(options.out_dir))
            self._start_python("sink", 0, run_sink, str(options.out_dir), options.sink_width,
                               options.fps)
            self._wait(lambda s: not s.ready, READY_TIMEOUT_S, "get ready")
            started = time.monotonic()
            self._samples.append(self._sample(started))  # the charts' time 0
            self._start_python("source", 0, run_source, options.spec)
            self._watch()
            self._samples.append(self._sample(time.monotonic()))
            wall_s = time.monotonic() - started
            self._wait(lambda s: self._exit_code(s.label) is None, EXIT_TIMEOUT_S, "exit")
        return self._result(wall_s)

    def _make_channels(self, cleanup: contextlib.ExitStack) -> Channels:
        options = self.options
        if options.transport == "queue":
            return QueueChannels(options.detectors, FRAME_SLOTS)
        spec = options.spec
        nonce = f"{os.getpid()}-{time.time_ns()}"
        frames, results = create_rings(
            nonce, FrameHeader(0, 0, spec.width, spec.height).message_bytes, FRAME_SLOTS,
            options.detectors)
        for ring in (frames, results):
            cleanup.callback(ring.close)
            cleanup.callback(ring.unlink)
        self._frames_ring = frames
        assert frames.name is not None and results.name is not None
        return RingChannels(frames.name, results.name)

    def _start_native(self, bin_dir: Path) -> None:
        assert self._frames_ring is not None and self._frames_ring.name is not None
        for stage, program in native_programs(bin_dir).items():
            self._states[stage] = StageState(stage, stage)
            with _sigint_ignored():
                self._native[stage] = NativeStage(stage, program, self._frames_ring.name,
                                                  self.options.out_dir, self._native_events.put)
            self._states[stage].pid = self._native[stage].pid

    def _start_python(self, name: str, member: int, body: Callable[..., None],
                      *args: Any) -> None:
        label = f"{name} {member}" if name == "detector" else name
        self._states[label] = StageState(name, label)
        context = StageContext(name, member, self._events)
        process = self._context.Process(target=run_stage, name=f"pipeline-{label}",
                                        args=(context, body, self._channels, *args))
        with _sigint_ignored():
            process.start()
        self._processes[label] = process

    # ---- watching ------------------------------------------------------------

    def _watch(self) -> None:
        """Until every stage is done: events, samples, and the stall check."""
        last_sample = last_progress = time.monotonic()
        progress_total = -1
        while not all(s.done for s in self._states.values()):
            self._next_event(SAMPLE_EVERY_S / 2)
            now = time.monotonic()
            if now - last_sample >= SAMPLE_EVERY_S:
                last_sample = now
                sample = self._sample(now)
                self._samples.append(sample)
                self._display(self._states, sample)
                total = sum(s.frames for s in self._states.values())
                if total != progress_total:
                    progress_total, last_progress = total, now
                elif now - last_progress > STALL_S:
                    stuck = [s.label for s in self._states.values() if not s.done]
                    raise StageFailed(f"no progress for {STALL_S:.0f} s; "
                                      f"still running: {', '.join(stuck)}")

    def _wait(self, pending: Callable[[StageState], bool], timeout: float, what: str) -> None:
        """Take events until no stage is pending, or StageFailed."""
        deadline = time.monotonic() + timeout
        while late := [s.label for s in self._states.values() if pending(s)]:
            if time.monotonic() > deadline:
                raise StageFailed(f"{', '.join(late)} did not {what} within {timeout:.0f} s")
            self._next_event(0.1)

    def _next_event(self, timeout: float) -> None:
        """Take the events that come within timeout, then check that no stage
        died without saying why (its last events are read before judging)."""
        exited = {label: code for label in self._states
                  if (code := self._exit_code(label)) is not None}
        try:
            self._apply(self._events.get(timeout=timeout))
        except queue.Empty:
            pass
        for source in (self._events, self._native_events):
            with contextlib.suppress(queue.Empty):
                while True:
                    self._apply(source.get_nowait())
        for label, code in exited.items():
            if code != 0 or self._states[label].done is None:
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                said = self._native[label].last_error() if label in self._native else None
                raise StageFailed(f"{label} {how}" + (f": {said}" if said else ""))

    def _apply(self, event: Event) -> None:
        label = f"detector {event['member']}" if event["stage"] == "detector" else event["stage"]
        state = self._states[label]
        kind = event["event"]
        if kind == "failed":
            raise StageFailed(f"{label} failed: {event['error']}")
        state.pid = event.get("pid", state.pid)
        if kind == "ready":
            state.ready = True
        elif kind in ("progress", "done"):
            state.frames = event["frames"]
            state.skipped = event.get("skipped", 0)
            if kind == "done":
                state.done = event

    def _sample(self, now: float) -> Sample:
        frames: Dict[str, int] = {}
        dropped: Dict[str, int] = {}
        for state in self._states.values():
            frames[state.name] = frames.get(state.name, 0) + state.frames
            dropped[state.name] = dropped.get(state.name, 0) + state.skipped
        return Sample(now, frames, self._lags(), dropped)

    def _lags(self) -> Dict[str, int]:
        """Frames each reader (a group counts once) is behind the source."""
        if isinstance(self._channels, QueueChannels):
            return self._channels.lags()
        assert self._frames_ring is not None
        stage_of_pid = {s.pid: s.name for s in self._states.values()}
        lags: Dict[str, int] = {}
        for reader in self._frames_ring.stats().reader_stats:
            name = stage_of_pid.get(reader.pid)
            if name is not None:
                lags[name] = max(lags.get(name, 0), reader.lag)
        return lags

    # ---- ending ----------------------------------------------------------------

    def _exit_code(self, label: str) -> Optional[int]:
        if label in self._native:
            return self._native[label].exit_code()
        process = self._processes.get(label)
        return None if process is None else process.exitcode

    def _stop_all(self) -> None:
        """Stop whatever still runs: SIGTERM to all, then SIGKILL to those
        still there EXIT_TIMEOUT_S later."""
        for process in self._processes.values():
            if process.exitcode is None:
                process.terminate()
        for stage in self._native.values():
            stage.terminate()
        deadline = time.monotonic() + EXIT_TIMEOUT_S
        for process in self._processes.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                process.kill()
                process.join()
        for stage in self._native.values():
            stage.wait_or_kill(max(0.0, deadline - time.monotonic()))
        self._events.close()
        self._events.join_thread()

    def _result(self, wall_s: float) -> RunResult:
        rows: Dict[str, Dict[str, Any]] = {}
        for state in self._states.values():
            assert state.done is not None
            row = rows.setdefault(state.name, {"frames": 0, "cpu_s": 0.0, "members": 0,
                                               "elapsed_s": 0.0, "skipped": 0, "outputs": []})
            row["frames"] += state.done["frames"]
            row["skipped"] += state.done.get("skipped", 0)
            row["cpu_s"] += state.done["cpu_s"]
            row["elapsed_s"] = max(row["elapsed_s"], state.done["elapsed_s"])
            row["members"] += 1
            row["outputs"] += state.done.get("outputs", [])
        return RunResult(self.options.transport, rows["source"]["frames"], wall_s,
                         {name: rows[name] for name in STAGES if name in rows}, self._samples)
