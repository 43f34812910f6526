"""How frames and detection results travel between the Python stages: through
two shmring rings (zero copy), or through multiprocessing.Queue (for the
comparison of --transport queue). Each stage asks its Channels for the ends it
needs; both kinds pickle, so they are handed to spawned stage processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
from dataclasses import dataclass, field
from typing import Callable, ContextManager, Iterator, List, Optional, Protocol, Union

import shmring

from .wire import RESULT_SLOT_BYTES

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


def _check_parent(parent: int) -> None:
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


# ---- shmring ---------------------------------------------------------------

class _RingFrameOutput:
    def __init__(self, ring: shmring.Ring) -> None:
        self._ring = ring
        self._writer = ring.writer()

    @contextlib.contextmanager
    def slot(self, nbytes: int) -> Iterator[memoryview]:
        # The block only fills the slot (no ring calls): a Timeout here is
        # the reservation's wait for a free slot.
        try:
            with self._writer.reserve(nbytes, timeout=STALL_S) as view:
                yield view
        except shmring.Timeout:
            raise Stuck("the frames ring") from None

    def close(self) -> None:
        self._writer.close()  # the only writer: this ends the stream
        self._ring.close()


class _RingFrameInput:
    def __init__(self, ring: shmring.Ring, group: Optional[str]) -> None:
        self._reader = ring.reader(group=group)
        self._parent = os.getppid()

    def each(self, handle: FrameHandler) -> None:
        while True:
            try:
                with self._reader.view(timeout=POLL_S) as message:
                    handle(message)
            except shmring.Timeout:
                _check_parent(self._parent)
            except shmring.Closed:
                return


class _RingResultOutput:
    def __init__(self, ring: shmring.Ring) -> None:
        self._writer = ring.writer()

    def put(self, message: bytes) -> None:
        try:
            self._writer.write(message, timeout=STALL_S)
        except shmring.Timeout:
            raise Stuck("the results ring") from None

    def close(self) -> None:
        self._writer.close()  # the last detector's close ends the stream


class _RingResultInput:
    def __init__(self, ring: shmring.Ring) -> None:
        self._reader = ring.reader()
        self._parent = os.getppid()

    def get(self) -> Optional[bytes]:
        while True:
            try:
                return self._reader.read(timeout=POLL_S)
            except shmring.Timeout:
                _check_parent(self._parent)
            except shmring.Closed:
                return None


@dataclass
class RingChannels:
    """Frames in one ring (the native stages read it too), results in another.
    Detectors are the group `detectors`; features and sink are broadcast."""

    frames_ring: str
    results_ring: str

    def frame_output(self) -> FrameOutput:
        return _RingFrameOutput(shmring.Ring.attach(self.frames_ring))

    def frame_input(self, stage: str) -> FrameInput:
        group = "detectors" if stage == "detector" else None
        return _RingFrameInput(shmring.Ring.attach(self.frames_ring), group)

    def result_output(self) -> ResultOutput:
        return _RingResultOutput(shmring.Ring.attach(self.results_ring))

    def result_input(self) -> ResultInput:
        return _RingResultInput(shmring.Ring.attach(self.results_ring))


def create_rings(nonce: str, frame_bytes: int, frame_slots: int,
                 detectors: int) -> List[shmring.Ring]:
    """The two rings of a run (the caller unlinks them), with room for every
    detector as a reader of frames and a writer of results (the C core's
    defaults, 128 readers and 64 writers, are enough up to 64 detectors)."""
    frames = shmring.Ring.create(f"/shmring-pipeline-{nonce}-frames",
                                 slot_bytes=frame_bytes, slot_count=frame_slots,
                                 max_readers=max(128, detectors + 8))
    try:
        results = shmring.Ring.create(f"/shmring-pipeline-{nonce}-results",
                                      slot_bytes=RESULT_SLOT_BYTES, slot_count=256,
                                      max_writers=max(64, detectors))
    except BaseException:
        frames.unlink()
        frames.close()
        raise
    return [frames, results]


# ---- multiprocessing.Queue -----------------------------------------------------

_END = None  # the end-of-stream marker on a queue
QueueMessage = Optional[Union[bytes, bytearray]]


def _get(q: "multiprocessing.Queue[QueueMessage]", parent: int) -> QueueMessage:
    while True:
        try:
            return q.get(timeout=POLL_S)
        except queue.Empty:
            _check_parent(parent)


def _put(q: "multiprocessing.Queue[QueueMessage]", message: QueueMessage) -> None:
    try:
        q.put(message, timeout=STALL_S)
    except queue.Full:
        raise Stuck("a queue") from None


class _QueueFrameOutput:
    """A broadcast over queues: every frame is put on the detectors' shared
    queue and on the queue of each other reader (each put pickles it again)."""

    def __init__(self, channels: "QueueChannels") -> None:
        self._channels = channels

    @contextlib.contextmanager
    def slot(self, nbytes: int) -> Iterator[memoryview]:
        message = bytearray(nbytes)  # a new one each time: put() pickles it later
        with memoryview(message) as view:
            yield view
        for q in self._channels.frame_queues():
            _put(q, message)

    def close(self) -> None:
        for _ in range(self._channels.detectors):
            _put(self._channels.detector_frames, _END)
        for q in (self._channels.features_frames, self._channels.sink_frames):
            _put(q, _END)


class _QueueFrameInput:
    def __init__(self, q: "multiprocessing.Queue[QueueMessage]") -> None:
        self._queue = q
        self._parent = os.getppid()

    def each(self, handle: FrameHandler) -> None:
        while (message := _get(self._queue, self._parent)) is not _END:
            with memoryview(message) as view:
                handle(view)


class _QueueResultOutput:
    def __init__(self, q: "multiprocessing.Queue[QueueMessage]") -> None:
        self._queue = q

    def put(self, message: bytes) -> None:
        _put(self._queue, message)

    def close(self) -> None:
        _put(self._queue, _END)


class _QueueResultInput:
    """Ends once every detector has put its end marker."""

    def __init__(self, q: "multiprocessing.Queue[QueueMessage]", writers: int) -> None:
        self._queue = q
        self._open_writers = writers
        self._parent = os.getppid()

    def get(self) -> Optional[bytes]:
        while self._open_writers:
            message = _get(self._queue, self._parent)
            if message is not _END:
                return bytes(message)  # detectors put bytes: no copy
            self._open_writers -= 1
        return None


@dataclass
class QueueChannels:
    """The same stream over multiprocessing.Queue: one queue the detectors
    share (each frame to one of them), one each for features and sink, one
    for results. Bounded like the ring, so the source cannot run ahead."""

    detectors: int
    depth: int
    detector_frames: "multiprocessing.Queue[QueueMessage]" = field(init=False)
    features_frames: "multiprocessing.Queue[QueueMessage]" = field(init=False)
    sink_frames: "multiprocessing.Queue[QueueMessage]" = field(init=False)
    results: "multiprocessing.Queue[QueueMessage]" = field(init=False)

    def __post_init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.detector_frames = context.Queue(self.depth)
        self.features_frames = context.Queue(self.depth)
        self.sink_frames = context.Queue(self.depth)
        self.results = context.Queue()

    def frame_queues(self) -> List["multiprocessing.Queue[QueueMessage]"]:
        return [self.detector_frames, self.features_frames, self.sink_frames]

    def frame_output(self) -> FrameOutput:
        return _QueueFrameOutput(self)

    def frame_input(self, stage: str) -> FrameInput:
        return _QueueFrameInput({"detector": self.detector_frames,
                                 "features": self.features_frames,
                                 "sink": self.sink_frames}[stage])

    def result_output(self) -> ResultOutput:
        return _QueueResultOutput(self.results)

    def result_input(self) -> ResultInput:
        return _QueueResultInput(self.results, self.detectors)


def queue_lags(channels: QueueChannels) -> dict[str, int]:
    """Messages waiting per reader (qsize works on Linux)."""
    return {"detector": channels.detector_frames.qsize(),
            "features": channels.features_frames.qsize(),
            "sink": channels.sink_frames.qsize()}


def monotonic_ns() -> int:
    """CLOCK_MONOTONIC, as PROTOCOL.md's capture_ns."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)
