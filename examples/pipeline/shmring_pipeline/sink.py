"""The sink stage (a broadcast reader of frames, the reader of results): puts
each frame together with its detection result (results come out of order
from the detector group), draws the boxes, writes the annotated video and
summary.json. The video is written at --sink-width (960 by default): one
process encoding 1080p would hold the whole pipeline back."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np

from .stage import StageContext
from .transport import Channels, ResultInput
from .wire import Detection, FrameHeader, frame_pixels, monotonic_ns

BOX_COLOUR = (0, 255, 0)


class _Results:
    """Detection results by frame number, read as far as needed."""

    def __init__(self, results: ResultInput) -> None:
        self._input = results
        self._pending: Dict[int, Detection] = {}
        self.duplicates = 0

    def take(self, frame_no: int) -> Detection:
        while frame_no not in self._pending:
            message = self._input.get()
            if message is None:
                raise RuntimeError(f"results ended without frame {frame_no}")
            self._add(Detection.unpack(message))
        return self._pending.pop(frame_no)

    def drain(self) -> int:
        """Read to the end; returns how many results matched no frame."""
        while (message := self._input.get()) is not None:
            self._add(Detection.unpack(message))
        return len(self._pending)

    def _add(self, detection: Detection) -> None:
        if detection.frame_no in self._pending:
            self.duplicates += 1
        self._pending[detection.frame_no] = detection


class _Annotator:
    def __init__(self, path: Path, width: int, fps: float) -> None:
        self._path = path
        self._width = width
        self._fps = fps
        self._writer: cv2.VideoWriter | None = None

    def write(self, image: np.ndarray, detection: Detection) -> None:
        height, width = image.shape[:2]
        scale = min(1.0, self._width / width)
        size = (round(width * scale) // 2 * 2, round(height * scale) // 2 * 2)
        if self._writer is None:
            self._writer = cv2.VideoWriter(str(self._path), cv2.VideoWriter.fourcc(*"mp4v"),
                                           self._fps, size)
            if not self._writer.isOpened():
                raise RuntimeError(f"cannot write video {self._path}")
        annotated = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        for x, y, w, h in detection.boxes:
            cv2.rectangle(annotated, (round(x * scale), round(y * scale)),
                          (round((x + w) * scale), round((y + h) * scale)), BOX_COLOUR, 2)
        cv2.putText(annotated, f"frame {detection.frame_no}  boxes {len(detection.boxes)}  "
                    f"detector {detection.member}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    BOX_COLOUR, 2)
        self._writer.write(annotated)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


def run_sink(context: StageContext, channels: Channels, out_dir: str, width: int,
             fps: float) -> None:
    frames = channels.frame_input("sink")
    results = _Results(channels.result_input())
    video = Path(out_dir) / "annotated.mp4"
    annotator = _Annotator(video, width, fps)
    frame_numbers: List[int] = []
    latencies_ms: List[float] = []
    boxes = 0

    def annotate(message: memoryview) -> None:
        nonlocal boxes
        header = FrameHeader.unpack(message)
        detection = results.take(header.frame_no)
        annotator.write(frame_pixels(message, header.width, header.height), detection)
        frame_numbers.append(header.frame_no)
        latencies_ms.append((monotonic_ns() - header.capture_ns) / 1e6)
        boxes += len(detection.boxes)
        context.progress(len(frame_numbers), header.frame_no)

    context.ready()
    try:
        frames.each(annotate)
    finally:
        annotator.close()
    unmatched = results.drain()
    count = len(frame_numbers)
    summary = {
        "frames": count,
        "first_frame": frame_numbers[0] if frame_numbers else None,
        "last_frame": frame_numbers[-1] if frame_numbers else None,
        # every frame once, in order: 0, 1, 2, ... with no gap or repeat
        "in_order": frame_numbers == list(range(count)),
        "detections": count,
        "duplicate_results": results.duplicates,
        "unmatched_results": unmatched,
        "boxes": boxes,
        "boxes_per_frame": boxes / count if count else 0.0,
        "latency_ms_p50": statistics.median(latencies_ms) if latencies_ms else None,
        "latency_ms_max": max(latencies_ms, default=None),
        "video": str(video),
    }
    path = Path(out_dir) / "summary.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    context.done(count, frame_numbers[-1] if frame_numbers else -1,
                 outputs=[str(video), str(path)], in_order=summary["in_order"])
