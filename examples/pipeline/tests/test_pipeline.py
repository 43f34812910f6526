"""The pipeline as a user runs it (python -m shmring_pipeline in a
subprocess, output not a terminal): a short run over shmring with the Rust and
Go stages, checked output by output; bad input; a stage killed; Ctrl-C; and
the --transport queue comparison. Run by tests/pipeline/run.sh, which builds
the native stages and points SHMRING_PIPELINE_BIN at them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Set

import cv2
import pytest

PIPELINE_DIR = Path(__file__).resolve().parents[1]
FRAMES = 90
SIZE = "960x540"
RUN_TIMEOUT_S = 180


def _env() -> Dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PIPELINE_DIR)}


def _bin_dir() -> str:
    bin_dir = os.environ.get("SHMRING_PIPELINE_BIN")
    assert bin_dir, "set SHMRING_PIPELINE_BIN to the native stages (tests/pipeline/run.sh does)"
    return bin_dir


def _command(*args: str) -> List[str]:
    return [sys.executable, "-m", "shmring_pipeline", "--bin-dir", _bin_dir(), *args]


def _segments(pid: int) -> Set[str]:
    """The orchestrator's rings in /dev/shm (named after its pid and a time)."""
    return {name for name in os.listdir("/dev/shm") if name.startswith(f"shmring-pipeline-{pid}-")}


def _group_processes(pgid: int) -> List[str]:
    """Live (not zombie) processes of a process group."""
    listing = subprocess.run(["ps", "-o", "stat=,pid=,args=", "-g", str(pgid)],
                             capture_output=True, text=True, check=False).stdout
    return [line for line in listing.splitlines()
            if line.strip() and not line.lstrip().startswith("Z")]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """One pipeline run in its own session (so its processes can be listed)."""

    def __init__(self, *args: str) -> None:
        # SIGINT back to its default: a suite started in the background by a
        # shell runs with SIGINT ignored, and the run would inherit that.
        self.process = subprocess.Popen(_command(*args), env=_env(), start_new_session=True,
                                        preexec_fn=_default_sigint,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait(self) -> "Run":
        self.stdout, self.stderr = self.process.communicate(timeout=RUN_TIMEOUT_S)
        self.code = self.process.returncode
        return self

    def wait_for_progress(self) -> None:
        """Until the source has sent frames (a progress line with source > 0)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            assert line, "the pipeline ended before making progress"
            if re.match(r"source [1-9]", line):
                return
        pytest.fail("no progress line")

    def assert_clean(self) -> None:
        """No ring left in /dev/shm, and the run's processes all end (polled
        with a hang guard: a slow machine only takes longer)."""
        assert _segments(self.process.pid) == set()
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while _group_processes(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)  # a pause between looks at /proc, not an order of events
        assert _group_processes(self.process.pid) == []


@pytest.fixture(scope="module")
def shmring_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    out = tmp_path_factory.mktemp("out")
    run = Run("--frames", str(FRAMES), "--size", SIZE, "--detectors", "2", "--out", str(out))
    return run.wait(), out / "shmring"


def test_run_succeeds_with_plain_progress_and_summary(shmring_run: tuple[Run, Path]) -> None:
    run, out = shmring_run
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    assert re.search(r"^source \d+ f .* \| sink \d+ f", run.stdout, re.M), run.stdout
    assert f"{FRAMES} frames in" in run.stdout
    assert str(out / "chart.png") in run.stdout
    run.assert_clean()


def test_every_frame_reached_the_sink_once_in_order(shmring_run: tuple[Run, Path]) -> None:
    summary = json.loads((shmring_run[1] / "summary.json").read_text())
    assert summary["frames"] == FRAMES
    assert summary["in_order"] is True
    assert (summary["first_frame"], summary["last_frame"]) == (0, FRAMES - 1)
    assert summary["duplicate_results"] == 0 and summary["unmatched_results"] == 0
    assert summary["boxes"] > 0  # the test clip's shapes move: something is detected


def test_annotated_video_plays_back(shmring_run: tuple[Run, Path]) -> None:
    capture = cv2.VideoCapture(str(shmring_run[1] / "annotated.mp4"))
    assert capture.isOpened()
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == FRAMES


def test_every_stage_counted_every_frame(shmring_run: tuple[Run, Path]) -> None:
    stages = json.loads((shmring_run[1] / "run.json").read_text())["stages"]
    assert set(stages) == {"source", "detector", "features", "sink", "stats", "liveview"}
    for name in ("source", "detector", "features", "sink", "stats"):
        assert stages[name]["frames"] == FRAMES, name
    assert stages["detector"]["members"] == 2
    # The lossy live view may skip frames, but it saw some and counted the rest.
    liveview = stages["liveview"]
    assert liveview["frames"] > 0
    assert liveview["frames"] + liveview["skipped"] == FRAMES


def test_native_outputs(shmring_run: tuple[Run, Path]) -> None:
    out = shmring_run[1]
    lines = (out / "stats.jsonl").read_text().splitlines()
    assert [json.loads(line)["frame"] for line in lines] == list(range(FRAMES))
    thumbnails = sorted((out / "thumbnails").glob("thumb-*.jpg"))
    assert thumbnails and cv2.imread(str(thumbnails[0])) is not None
    assert json.loads((out / "liveview.json").read_text())["frames"] > 0


def test_chart_and_features(shmring_run: tuple[Run, Path]) -> None:
    out = shmring_run[1]
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    features = json.loads((out / "features.json").read_text())
    assert features["frames"] == FRAMES and len(features["labels"]) == FRAMES


@pytest.mark.parametrize("source, message", [
    ("/nonexistent/clip.mp4", "no such video file"),
    ("7", "camera 7 is not available"),
    ("NOT-A-VIDEO", "cannot read video file"),
])
def test_bad_input_is_one_line(tmp_path: Path, source: str, message: str) -> None:
    if source == "NOT-A-VIDEO":
        source = str(tmp_path / "not-a-video.mp4")
        Path(source).write_bytes(b"this is no video\n" * 100)
    run = Run(source, "--out", str(tmp_path)).wait()
    assert run.code == 2
    assert len(run.stderr.splitlines()) == 1 and message in run.stderr, run.stderr
    run.assert_clean()


def test_a_killed_stage_stops_the_run(tmp_path: Path) -> None:
    run = Run("--frames", "100000", "--size", SIZE, "--out", str(tmp_path))
    run.wait_for_progress()
    stats = [line.split()[1] for line in _group_processes(run.process.pid)
             if "pipeline-stats" in line]
    assert len(stats) == 1
    os.kill(int(stats[0]), signal.SIGKILL)
    run.wait()
    assert run.code == 1
    assert run.stderr == "shmring-pipeline: stats was killed by signal 9\n"
    run.assert_clean()


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    run = Run("--frames", "100000", "--size", SIZE, "--out", str(tmp_path))
    run.wait_for_progress()
    os.killpg(run.process.pid, signal.SIGINT)  # what the terminal does
    run.wait()
    assert run.code == 130
    assert run.stderr == "shmring-pipeline: interrupted; every stage stopped\n"
    run.assert_clean()


def test_queue_transport_prints_the_comparison(tmp_path: Path) -> None:
    run = Run("--frames", "30", "--size", SIZE, "--detectors", "2", "--out", str(tmp_path),
              "--transport", "queue").wait()
    assert run.code == 0, run.stderr
    assert "Rust and Go stages read shmring rings only: skipped" in run.stdout
    row = re.search(r"frames/s end to end\s*│\s*([\d.]+)\s*│\s*([\d.]+)", run.stdout)
    assert row and float(row[1]) > 0 and float(row[2]) > 0, run.stdout
    assert re.search(r"CPU ms per frame \(Python stages\)\s*│\s*[\d.]+\s*│\s*[\d.]+", run.stdout)
    for transport in ("shmring", "queue"):
        summary = json.loads((tmp_path / transport / "summary.json").read_text())
        assert summary["frames"] == 30 and summary["in_order"], transport
    run.assert_clean()
