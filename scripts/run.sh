#!/usr/bin/env bash
# THE main job: the video pipeline of examples/pipeline across Python, Rust
# and Go (issue #7). Installs what it needs (apt packages, a venv with the
# Python binding, OpenCV, scikit-learn, matplotlib and rich), builds the Rust
# and Go stages, then runs the pipeline on its defaults: a 1080p test clip
# rendered once, about a minute on two cores. It prints where the outputs
# are (annotated video, summary JSON, chart, thumbnails).
# Extra arguments go to the pipeline, e.g. `scripts/run.sh --frames 300` or
# `scripts/run.sh video.mp4 --transport queue` (see examples/pipeline/README.md).
# The C frame pipeline of examples/c runs with `bazel run //examples/c:pipeline`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# No cd: a video file given by a relative path is found where the user is.
bash "$ROOT/scripts/install-deps.sh"
CACHE="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/shmring}"
echo "==> Python venv (first time: pip installs OpenCV, scikit-learn, matplotlib, rich)"
PY="$(bash "$ROOT/examples/pipeline/venv.sh")"
echo "==> Rust and Go stages"
bash "$ROOT/examples/pipeline/native/build.sh" "$CACHE/pipeline/bin"
echo "==> the pipeline"
export PYTHONPATH="$ROOT/examples/pipeline${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m shmring_pipeline --bin-dir "$CACHE/pipeline/bin" "$@"
