#!/usr/bin/env bash
# THE main job: build shmring and run the C frame pipeline on its defaults
# (1 producer, 2 broadcast recorders, a group of 2 detectors, 1 lossy preview,
# 600 1080p RGB frames, every frame verified by every consumer).
# Extra arguments go to the pipeline, e.g. `scripts/run.sh --frames 2000`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
# shellcheck source=lib/bazel.sh
source "$ROOT/scripts/lib/bazel.sh"
bz build --config=ci //examples/c:pipeline
exec "$ROOT/bazel-bin/examples/c/pipeline" "$@"
