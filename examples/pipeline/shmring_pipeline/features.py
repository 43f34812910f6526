"""The features stage (a broadcast reader): a colour histogram per frame,
clustered online with scikit-learn's MiniBatchKMeans (partial_fit on batches
as they come), so frames of similar look share a cluster: a cheap scene
grouping. Writes features.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import cv2
import numpy as np
from sklearn.cluster import MiniBatchKMeans

from .stage import StageContext
from .transport import Channels
from .wire import FrameHeader, frame_pixels

CLUSTERS = 4
BATCH = 32
HIST_BINS = [8, 4, 4]  # hue, saturation, value
HIST_SIZE = (160, 90)  # histograms of a small copy: colour shares do not need 1080p


def colour_histogram(image: np.ndarray) -> np.ndarray:
    small = cv2.resize(image, HIST_SIZE, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    hist: np.ndarray = cv2.calcHist([hsv], [0, 1, 2], None, HIST_BINS,
                                    [0, 180, 0, 256, 0, 256]).ravel()
    return hist / float(hist.sum())


def run_features(context: StageContext, channels: Channels, out_dir: str) -> None:
    frames = channels.frame_input("features")
    model = MiniBatchKMeans(n_clusters=CLUSTERS, batch_size=BATCH, n_init=3, random_state=0)
    histograms: List[np.ndarray] = []
    frame_numbers: List[int] = []

    def learn(message: memoryview) -> None:
        header = FrameHeader.unpack(message)
        histograms.append(colour_histogram(frame_pixels(message, header.width, header.height)))
        frame_numbers.append(header.frame_no)
        if len(histograms) % BATCH == 0:
            model.partial_fit(np.array(histograms[-BATCH:]))
        context.progress(len(frame_numbers), header.frame_no)

    context.ready()
    frames.each(learn)
    outputs = []
    if len(histograms) >= CLUSTERS:
        tail = len(histograms) % BATCH  # the last, partial batch
        if tail >= CLUSTERS:
            model.partial_fit(np.array(histograms[-tail:]))
        labels = model.predict(np.array(histograms)).tolist()
        path = Path(out_dir) / "features.json"
        path.write_text(json.dumps({
            "frames": len(frame_numbers),
            "clusters": CLUSTERS,
            "cluster_sizes": np.bincount(labels, minlength=CLUSTERS).tolist(),
            "labels": labels,
            "first_frame": frame_numbers[0],
        }) + "\n")
        outputs.append(str(path))
    context.done(len(frame_numbers), frame_numbers[-1] if frame_numbers else -1,
                 outputs=outputs)
