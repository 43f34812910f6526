"""Opening the video source (a file or a camera index) with cv2.VideoCapture,
and checking it before anything starts, so bad input is one clear line."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import cv2

from .errors import BadInput


@dataclass(frozen=True)
class SourceSpec:
    source: Union[str, int]   # a video file, or a camera index
    width: int                # frames go into the ring at this size
    height: int
    frames: Optional[int]     # stop after this many frames
    duration_s: Optional[float]  # or after this many seconds

    @property
    def loops(self) -> bool:
        """A file shorter than the frames or seconds asked for plays again."""
        return not self.is_camera and (self.frames is not None or self.duration_s is not None)

    @property
    def is_camera(self) -> bool:
        return isinstance(self.source, int)

    def describe(self) -> str:
        return f"camera {self.source}" if self.is_camera else str(self.source)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """FFmpeg inside OpenCV prints its own complaints on fd 2 (e.g. "moov atom
    not found"); the user gets our one line instead."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def open_capture(spec: SourceSpec) -> cv2.VideoCapture:
    with _quiet_stderr():
        if not spec.is_camera and not os.path.isfile(spec.source):
            raise BadInput(f"no such video file: {spec.source}")
        capture = cv2.VideoCapture(spec.source)
        if not capture.isOpened():
            raise BadInput(f"camera {spec.source} is not available" if spec.is_camera else
                           f"cannot read video file {spec.source} (not a video OpenCV can decode)")
    return capture


def probe(spec: SourceSpec) -> float:
    """Open the source and decode one frame, or raise BadInput. Returns its
    frame rate (30 if it does not say)."""
    capture = open_capture(spec)
    try:
        with _quiet_stderr():
            ok, frame = capture.read()
        if not ok or frame is None:
            raise BadInput(f"{spec.describe()} gives no frames")
        return float(capture.get(cv2.CAP_PROP_FPS)) or 30.0
    finally:
        capture.release()
