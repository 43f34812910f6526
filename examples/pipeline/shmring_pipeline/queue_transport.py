"""The Python stages' channels over multiprocessing.Queue, for the
comparison of --transport queue."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Union

from .transport import (POLL_S, STALL_S, FrameHandler, FrameInput, FrameOutput, ResultInput,
                        ResultOutput, Stuck, check_parent)

_END = None  # the end-of-stream marker on a queue
QueueMessage = Optional[Union[bytes, bytearray]]


def _get(q: "multiprocessing.Queue[QueueMessage]", parent: int) -> QueueMessage:
    while True:
        try:
            return q.get(timeout=POLL_S)
        except queue.Empty:
            check_parent(parent)


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

    def lags(self) -> Dict[str, int]:
        """Frames waiting per reader (qsize works on Linux)."""
        return {"detector": self.detector_frames.qsize(),
                "features": self.features_frames.qsize(),
                "sink": self.sink_frames.qsize()}
