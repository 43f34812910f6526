"""The video pipeline of issue #7: a Python source decoding video into a
shmring ring, Python detectors (a reader group), features (scikit-learn) and
sink, a Rust stats stage and a Go live view. See ../README.md."""

import os

# OpenCV's own warnings (e.g. "can't open camera by index") would come on
# top of our one-line errors; set before any stage imports cv2.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
