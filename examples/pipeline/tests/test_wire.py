"""The messages of PROTOCOL.md as the Python stages write and check them."""

from __future__ import annotations

import numpy as np
import pytest

import shmring

from shmring_pipeline.wire import (
    MAX_BOXES, Detection, FrameHeader, WireError, frame_pixels)


def _frame(header: FrameHeader) -> memoryview:
    message = memoryview(bytearray(header.message_bytes))
    header.pack_into(message)
    return message


def test_a_frame_is_an_array_message_with_its_fields_in_the_user_header() -> None:
    header = FrameHeader(frame_no=7, capture_ns=123456789, width=4, height=2)
    message = _frame(header)
    assert len(message) == 112 + 4 * 2 * 3  # the pixels start 64-byte aligned in a slot
    assert bytes(message[:4]) == b"SHMA" and message[8:10] == bytes([1, 8])  # uint8
    info = shmring.ArrayInfo(message)
    assert info.shape == (2, 4, 3) and info.user == (7).to_bytes(8, "little") + \
        (123456789).to_bytes(8, "little")
    assert FrameHeader.unpack(message) == header


def test_frame_pixels_are_a_view_of_the_message() -> None:
    header = FrameHeader(0, 0, width=4, height=2)
    message = _frame(header)
    frame_pixels(message, 4, 2)[1, 3] = (1, 2, 3)
    assert bytes(message[-3:]) == b"\x01\x02\x03"


def _other_array(array: np.ndarray, user: bytes) -> memoryview:
    head = shmring.array_header(array.dtype, array.shape, user=user)
    return memoryview(bytearray(head + array.tobytes()))


@pytest.mark.parametrize("damage", ["magic", "length", "dtype", "channels", "user", "trailing"])
def test_frame_header_checks(damage: str) -> None:
    message = _frame(FrameHeader(0, 0, width=4, height=2))
    fields = bytes(16)
    if damage == "magic":
        message[0] ^= 0xFF
    elif damage == "length":
        message = message[:-1]
    elif damage == "dtype":
        message = _other_array(np.zeros((2, 4, 3), np.uint16), fields)
    elif damage == "channels":
        message = _other_array(np.zeros((2, 4, 4), np.uint8), fields)
    elif damage == "user":
        message = _other_array(np.zeros((2, 4, 3), np.uint8), bytes(8))
    else:
        message = memoryview(bytearray(bytes(message) + b"x"))
    with pytest.raises(WireError, match="bad frame message"):
        FrameHeader.unpack(message)


def test_detection_round_trip_keeps_at_most_max_boxes() -> None:
    boxes = [(i, i + 1, 10, 20) for i in range(MAX_BOXES + 5)]
    message = Detection(3, 99, 1000, 1, boxes).pack()
    assert bytes(message[:4]) == b"SRDR" and len(message) == 40 + 16 * MAX_BOXES
    assert Detection.unpack(message) == Detection(3, 99, 1000, 1, boxes[:MAX_BOXES])
    with pytest.raises(WireError):
        Detection.unpack(message[:-1])
