"""The Python stages' channels over two shmring rings: frames (which the
native stages read too) and detection results."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Iterator, List, Optional

import shmring

from .transport import (POLL_S, STALL_S, FrameHandler, FrameInput, FrameOutput, ResultInput,
                        ResultOutput, Stuck, check_parent)
from .wire import RESULT_SLOT_BYTES


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
                with self._reader.peek(timeout=POLL_S) as message:
                    handle(message)
            except shmring.Timeout:
                check_parent(self._parent)
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
                check_parent(self._parent)
            except shmring.Closed:
                return None


@dataclass
class RingChannels:
    """Frames in one ring (the native stages read it too), results in another.
    Detectors are the group `detectors`; features and sink are broadcast."""

    frames_ring: str
    results_ring: str

    def frame_output(self) -> FrameOutput:
        return _RingFrameOutput(shmring.Ring.open(self.frames_ring))

    def frame_input(self, stage: str) -> FrameInput:
        group = "detectors" if stage == "detector" else None
        return _RingFrameInput(shmring.Ring.open(self.frames_ring), group)

    def result_output(self) -> ResultOutput:
        return _RingResultOutput(shmring.Ring.open(self.results_ring))

    def result_input(self) -> ResultInput:
        return _RingResultInput(shmring.Ring.open(self.results_ring))


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
