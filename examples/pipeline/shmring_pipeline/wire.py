"""The messages the stages exchange (PROTOCOL.md): the 64-byte frame header
in front of every frame, and the detection result of one frame."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

FRAME_MAGIC = 0x4D465253  # the bytes "S R F M"
FRAME_HEADER = struct.Struct("<IIQQIIII24x")
FRAME_HEADER_BYTES = FRAME_HEADER.size  # 64
CHANNELS = 3

RESULT_MAGIC = 0x52445253  # the bytes "S R D R"
RESULT_HEADER = struct.Struct("<IIQQQII")
RESULT_BOX = struct.Struct("<iiii")
MAX_BOXES = 64
RESULT_SLOT_BYTES = RESULT_HEADER.size + MAX_BOXES * RESULT_BOX.size

Box = Tuple[int, int, int, int]  # x, y, width, height in frame pixels


class WireError(Exception):
    """A message that breaks PROTOCOL.md."""


@dataclass(frozen=True)
class FrameHeader:
    frame_no: int
    capture_ns: int
    width: int
    height: int

    @property
    def message_bytes(self) -> int:
        return FRAME_HEADER_BYTES + self.width * self.height * CHANNELS

    def pack_into(self, message: memoryview) -> None:
        FRAME_HEADER.pack_into(message, 0, FRAME_MAGIC, FRAME_HEADER_BYTES, self.frame_no,
                               self.capture_ns, self.width, self.height, CHANNELS,
                               self.width * CHANNELS)

    @classmethod
    def unpack(cls, message: memoryview) -> "FrameHeader":
        """The header of a frame message, checked against the message length."""
        if len(message) < FRAME_HEADER_BYTES:
            raise WireError(f"frame message of {len(message)} bytes is shorter than its header")
        (magic, header_bytes, frame_no, capture_ns, width, height, channels,
         row_bytes) = FRAME_HEADER.unpack_from(message, 0)
        header = cls(frame_no, capture_ns, width, height)
        if (magic != FRAME_MAGIC or header_bytes != FRAME_HEADER_BYTES or channels != CHANNELS
                or row_bytes != width * CHANNELS or header.message_bytes != len(message)):
            raise WireError(f"bad frame header (magic {magic:#x}, {width}x{height}x{channels}, "
                            f"{len(message)} bytes)")
        return header


def frame_pixels(message: memoryview, width: int, height: int) -> np.ndarray:
    """The BGR pixels of a frame message as an array over the message itself
    (no copy): writable if the message is (a reserved slot)."""
    return np.frombuffer(message, np.uint8, count=width * height * CHANNELS,
                         offset=FRAME_HEADER_BYTES).reshape(height, width, CHANNELS)


@dataclass(frozen=True)
class Detection:
    """What a detector found in one frame (the results message)."""

    frame_no: int
    capture_ns: int
    detect_ns: int  # time the detector spent on the frame
    member: int     # which detector
    boxes: List[Box]

    def pack(self) -> bytes:
        boxes = self.boxes[:MAX_BOXES]
        return RESULT_HEADER.pack(RESULT_MAGIC, len(boxes), self.frame_no, self.capture_ns,
                                  self.detect_ns, self.member, 0) + \
            b"".join(RESULT_BOX.pack(*box) for box in boxes)

    @classmethod
    def unpack(cls, message: bytes) -> "Detection":
        magic, count, frame_no, capture_ns, detect_ns, member, _ = \
            RESULT_HEADER.unpack_from(message, 0)
        if magic != RESULT_MAGIC or len(message) != RESULT_HEADER.size + count * RESULT_BOX.size:
            raise WireError(f"bad detection result (magic {magic:#x}, {len(message)} bytes)")
        boxes = [RESULT_BOX.unpack_from(message, RESULT_HEADER.size + i * RESULT_BOX.size)
                 for i in range(count)]
        return cls(frame_no, capture_ns, detect_ns, member, boxes)


def monotonic_ns() -> int:
    """CLOCK_MONOTONIC now, the clock of PROTOCOL.md's capture_ns."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)
