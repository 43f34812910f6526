"""The built-in test clip: a few seconds of moving shapes and text, rendered
once with cv2.VideoWriter into the cache folder and reused afterwards, so the
pipeline runs without downloading anything."""

from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

SECONDS = 8
FPS = 30
#: Bump when the drawing changes, so cached clips are rendered again.
VERSION = 1


def _background(width: int, height: int) -> np.ndarray:
    """A fixed backdrop: a gradient with a grid, as a fixed camera would see."""
    ramp = np.linspace(40, 110, width, dtype=np.uint8)
    image = np.dstack([np.tile(ramp, (height, 1)), np.full((height, width), 70, np.uint8),
                       np.tile(ramp[::-1], (height, 1))])
    image[::height // 9, :] = 30
    image[:, ::width // 16] = 30
    return np.ascontiguousarray(image)


def _draw(frame: np.ndarray, number: int, width: int, height: int) -> None:
    t = number / FPS
    unit = height / 1080
    # A ball bouncing across, a square on a circle, a bar sliding up and down.
    ball = (int((0.1 + 0.8 * abs(math.sin(t * 0.7))) * width),
            int(height * (0.3 + 0.1 * math.sin(t * 3))))
    cv2.circle(frame, ball, int(90 * unit), (40, 40, 230), -1)
    centre = (int(width * (0.6 + 0.2 * math.cos(t))), int(height * (0.6 + 0.2 * math.sin(t))))
    side = int(80 * unit)
    cv2.rectangle(frame, (centre[0] - side, centre[1] - side), (centre[0] + side, centre[1] + side),
                  (230, 180, 30), -1)
    bar_y = int(height * (0.5 + 0.35 * math.sin(t * 1.3)))
    cv2.rectangle(frame, (int(0.05 * width), bar_y), (int(0.2 * width), bar_y + int(40 * unit)),
                  (60, 220, 220), -1)
    cv2.putText(frame, f"shmring pipeline  {number:04d}", (int(0.3 * width), int(0.9 * height)),
                cv2.FONT_HERSHEY_SIMPLEX, 2.0 * unit, (250, 250, 250), max(1, int(4 * unit)))


def clip_path(cache_dir: Path, width: int, height: int) -> Path:
    return cache_dir / f"testclip-v{VERSION}-{width}x{height}.mp4"


def render_clip(path: Path, width: int, height: int) -> None:
    """Render the clip into path (written beside it, then renamed, so a
    concurrent run never plays half a clip)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}-{os.getpid()}.mp4")
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (width, height))
    if not writer.isOpened():
        raise OSError(f"cannot write the test clip {partial}")
    background = _background(width, height)
    frame = np.empty_like(background)
    try:
        for number in range(SECONDS * FPS):
            np.copyto(frame, background)
            _draw(frame, number, width, height)
            writer.write(frame)
        writer.release()
        os.replace(partial, path)
    except BaseException:  # Ctrl-C too: leave no half clip behind
        writer.release()
        partial.unlink(missing_ok=True)
        raise
