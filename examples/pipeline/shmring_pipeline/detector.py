"""A detector stage: one member of the reader group `detectors`. Each frame
goes to exactly one member, so each member's background model (MOG2) learns
from every N-th frame only: fine for a fixed camera, where the background is
the same in every frame, which is what this detector assumes."""

from __future__ import annotations

import time

import cv2
import numpy as np

from .stage import StageContext
from .transport import Channels
from .wire import MAX_BOXES, Box, Detection, FrameHeader, frame_pixels

#: Detection runs on a copy this wide (boxes are scaled back): the work per
#: frame stays small at 1080p.
WORK_WIDTH = 640
#: Blobs smaller than this share of the work frame are noise.
MIN_AREA_SHARE = 0.0005


class _MotionDetector:
    def __init__(self) -> None:
        self._background = cv2.createBackgroundSubtractorMOG2(history=200, detectShadows=True)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

    def boxes(self, image: np.ndarray) -> list[Box]:
        height, width = image.shape[:2]
        scale = width / WORK_WIDTH
        small = cv2.resize(image, (WORK_WIDTH, round(height / scale)),
                           interpolation=cv2.INTER_AREA)
        mask = self._background.apply(small)
        # Shadows are marked 127: keep only sure foreground, then close gaps.
        _, mask = cv2.threshold(mask, 200, 255, cv2.THRESH_BINARY)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_area = MIN_AREA_SHARE * mask.size
        rects = sorted((cv2.boundingRect(c) for c in contours if cv2.contourArea(c) >= min_area),
                       key=lambda r: r[2] * r[3], reverse=True)[:MAX_BOXES]
        return [(round(x * scale), round(y * scale), round(w * scale), round(h * scale))
                for x, y, w, h in rects]


def run_detector(context: StageContext, channels: Channels) -> None:
    frames = channels.frame_input("detector")
    results = channels.result_output()
    detector = _MotionDetector()
    count = 0
    last_frame = -1

    def detect(message: memoryview) -> None:
        nonlocal count, last_frame
        header = FrameHeader.unpack(message)
        started = time.perf_counter_ns()
        boxes = detector.boxes(frame_pixels(message, header.width, header.height))
        results.put(Detection(header.frame_no, header.capture_ns,
                              time.perf_counter_ns() - started, context.member, boxes).pack())
        count += 1
        last_frame = header.frame_no
        context.progress(count, last_frame)

    context.ready()
    try:
        frames.each(detect)
    finally:
        results.close()
    context.done(count, last_frame)
