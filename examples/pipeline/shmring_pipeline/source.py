"""The source stage: decode the video straight into reserved ring slots."""

from __future__ import annotations

import time
from typing import Optional

import cv2
import numpy as np

from .capture import SourceSpec, open_capture
from .stage import StageContext
from .transport import Channels
from .wire import FrameHeader, frame_pixels, monotonic_ns


class _Decoder:
    """Decodes the next frame into the array it is given: in place when the
    video already has the ring's frame size (cv2 fills the array passed as
    `image`), else through one resize into it."""

    def __init__(self, spec: SourceSpec) -> None:
        self._spec = spec
        self._capture = open_capture(spec)
        self._size = (int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                      int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._scratch: Optional[cv2.typing.MatLike] = None

    def grab(self) -> bool:
        """Advance to the next frame (from the start again if the file ends
        and the spec loops)."""
        if self._capture.grab():
            return True
        if not self._spec.loops:
            return False
        self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        return self._capture.grab()

    def retrieve_into(self, image: np.ndarray) -> None:
        height, width = image.shape[:2]
        if self._size == (width, height):
            ok, decoded = self._capture.retrieve(image=image)
        else:
            ok, scratch = self._capture.retrieve(image=self._scratch)
            if ok:
                self._scratch = scratch
                decoded = cv2.resize(scratch, (width, height), dst=image,
                                     interpolation=cv2.INTER_AREA)
        if not ok:
            raise RuntimeError(f"{self._spec.describe()}: decoding a frame failed")
        if decoded is not image:  # OpenCV chose to allocate: the one copy
            np.copyto(image, decoded)

    def release(self) -> None:
        self._capture.release()


def run_source(context: StageContext, channels: Channels, spec: SourceSpec) -> None:
    decoder = _Decoder(spec)
    output = channels.frame_output()
    context.ready()
    deadline = None if spec.duration_s is None else time.monotonic() + spec.duration_s
    frame_no = 0
    try:
        while ((spec.frames is None or frame_no < spec.frames)
               and (deadline is None or time.monotonic() < deadline) and decoder.grab()):
            header = FrameHeader(frame_no, monotonic_ns(), spec.width, spec.height)
            with output.slot(header.message_bytes) as message:
                header.pack_into(message)
                _fill(decoder, message, header)
            frame_no += 1
            context.progress(frame_no, frame_no - 1)
    finally:
        output.close()
        decoder.release()
    context.done(frame_no, frame_no - 1)


def _fill(decoder: _Decoder, message: memoryview, header: FrameHeader) -> None:
    # A function of its own: the array over the slot is gone when it returns,
    # before the slot is committed (the ring refuses buffers that outlive it).
    decoder.retrieve_into(frame_pixels(message, header.width, header.height))
