"""The messages of PROTOCOL.md as the Python stages write and check them."""

from __future__ import annotations

import pytest

from shmring_pipeline.wire import (
    FRAME_HEADER_BYTES, MAX_BOXES, Detection, FrameHeader, WireError, frame_pixels)


def _frame(header: FrameHeader) -> memoryview:
    message = memoryview(bytearray(header.message_bytes))
    header.pack_into(message)
    return message


def test_frame_header_layout_and_round_trip() -> None:
    header = FrameHeader(frame_no=7, capture_ns=123456789, width=4, height=2)
    message = _frame(header)
    assert FRAME_HEADER_BYTES == 64 and len(message) == 64 + 4 * 2 * 3
    assert bytes(message[:4]) == b"SRFM"  # magic 0x4D465253, little-endian
    assert int.from_bytes(message[8:16], "little") == 7
    assert int.from_bytes(message[36:40], "little") == 12  # row_bytes
    assert bytes(message[40:64]) == bytes(24)  # reserved
    assert FrameHeader.unpack(message) == header


def test_frame_pixels_are_a_view_of_the_message() -> None:
    header = FrameHeader(0, 0, width=4, height=2)
    message = _frame(header)
    frame_pixels(message, 4, 2)[1, 3] = (1, 2, 3)
    assert bytes(message[-3:]) == b"\x01\x02\x03"


@pytest.mark.parametrize("damage", ["magic", "length", "row_bytes"])
def test_frame_header_checks(damage: str) -> None:
    message = _frame(FrameHeader(0, 0, width=4, height=2))
    if damage == "magic":
        message[0] ^= 0xFF
    elif damage == "row_bytes":
        message[36] += 1
    else:
        message = message[:-1]
    with pytest.raises(WireError):
        FrameHeader.unpack(message)


def test_detection_round_trip_keeps_at_most_max_boxes() -> None:
    boxes = [(i, i + 1, 10, 20) for i in range(MAX_BOXES + 5)]
    message = Detection(3, 99, 1000, 1, boxes).pack()
    assert bytes(message[:4]) == b"SRDR" and len(message) == 40 + 16 * MAX_BOXES
    assert Detection.unpack(message) == Detection(3, 99, 1000, 1, boxes[:MAX_BOXES])
    with pytest.raises(WireError):
        Detection.unpack(message[:-1])
