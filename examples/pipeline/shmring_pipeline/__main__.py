"""python -m shmring_pipeline [SOURCE] [options]: run the video pipeline."""

import sys

try:
    from .cli import main  # OpenCV, scikit-learn, ...: a second or two

    sys.exit(main())
except KeyboardInterrupt:  # during the imports; main() handles its own
    print("shmring-pipeline: interrupted", file=sys.stderr)
    sys.exit(130)
