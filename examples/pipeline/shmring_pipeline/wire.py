"""The messages the stages exchange (PROTOCOL.md): a frame is an array
message of shmring (docs/messages.md: uint8, shape (height, width, 3), its
frame number and capture time in the user header), and the detection result
of one frame."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

import shmring

CHANNELS = 3
#: The user header of a frame: frame_no, capture_ns.
FRAME_FIELDS = struct.Struct("<QQ")

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

    def array_header(self) -> bytes:
        """The frame's array message header (the pixels follow it)."""
        return shmring.array_header(np.uint8, (self.height, self.width, CHANNELS),
                                    user=FRAME_FIELDS.pack(self.frame_no, self.capture_ns))

    @property
    def message_bytes(self) -> int:
        return len(self.array_header()) + self.width * self.height * CHANNELS

    def pack_into(self, message: memoryview) -> None:
        head = self.array_header()
        message[:len(head)] = head

    @classmethod
    def unpack(cls, message: memoryview) -> "FrameHeader":
        """The header of a frame message, checked (the core checks the array
        header; here: uint8, height x width x 3, the 16-byte user header, and
        no bytes after the pixels)."""
        try:
            info = shmring.ArrayInfo(message)
        except shmring.Corrupt as e:
            raise WireError(f"bad frame message: {e}") from None
        if (info.dtype != np.uint8 or len(info.shape) != 3 or info.shape[2] != CHANNELS
                or 0 in info.shape or len(info.user) != FRAME_FIELDS.size
                or info.offset + info.nbytes != len(message)):
            raise WireError(f"bad frame message: {info.dtype} of shape {info.shape}, "
                            f"{len(info.user)} user bytes, {len(message)} bytes")
        frame_no, capture_ns = FRAME_FIELDS.unpack(info.user)
        return cls(frame_no, capture_ns, width=info.shape[1], height=info.shape[0])


def frame_pixels(message: memoryview, width: int, height: int) -> np.ndarray:
    """The BGR pixels of a frame message (which ends with them) as an array
    over the message itself (no copy): writable if the message is (a
    reserved slot)."""
    count = width * height * CHANNELS
    return np.frombuffer(message, np.uint8, count=count,
                         offset=len(message) - count).reshape(height, width, CHANNELS)


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
