"""The command line: run the video pipeline.

SOURCE is a video file or a camera index (0, 1, ...); without one, a
built-in test clip is rendered once into the cache folder and used."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import shmring
from rich.console import Console

from .capture import SourceSpec, probe
from .errors import BadInput, StageFailed
from .native import native_programs
from .orchestrator import Pipeline, RunOptions, RunResult
from .progress import make_display
from .report import chart, comparison_table, print_outputs, save_result
from .testclip import clip_path, render_clip

PROGRAM = "shmring-pipeline"
#: The built-in clip's default length: about a minute on two cores.
DEFAULT_FRAMES = 3600
#: A camera with neither --frames nor --duration runs this long.
DEFAULT_CAMERA_S = 10.0


def _cache_dir() -> Path:
    base = os.environ.get("SHMRING_CACHE_DIR") or \
        os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "shmring")
    return Path(base) / "pipeline"


def _size(text: str) -> Tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from None
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"{text}: width and height must be even and at least 16")
    return width, height


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: must be at least 1")
    return value


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    cache = _cache_dir()
    parser = argparse.ArgumentParser(prog=PROGRAM, description=(
        "The shmring video pipeline: a Python source decoding into a shared-memory ring, "
        "Python detectors, features and sink, a Rust stats stage and a Go live view."))
    parser.add_argument("source", nargs="?",
                        help="video file, or camera index; default: the built-in test clip")
    parser.add_argument("--size", type=_size, default=(1920, 1080), metavar="WxH",
                        help="frame size in the ring (frames are scaled to it; default 1920x1080)")
    parser.add_argument("--frames", type=_positive,
                        help=f"frames to run (default: {DEFAULT_FRAMES} for the test clip, "
                             "the whole file, 10 s of a camera); a shorter file plays again")
    parser.add_argument("--duration", type=float, metavar="SECONDS",
                        help="stop the source after this many seconds")
    parser.add_argument("--detectors", type=_positive, default=os.cpu_count() or 1,
                        help="detector processes (default: the number of cores)")
    parser.add_argument("--out", type=Path, default=cache / "out",
                        help=f"output folder (default {cache / 'out'})")
    parser.add_argument("--transport", choices=["shmring", "queue"], default="shmring",
                        help="queue: run over shmring, then the Python stages over "
                             "multiprocessing.Queue, and compare")
    parser.add_argument("--bin-dir", type=Path,
                        default=Path(os.environ.get("SHMRING_PIPELINE_BIN", cache / "bin")),
                        help="where pipeline-stats and pipeline-liveview are "
                             "(examples/pipeline/native/build.sh DIR builds them)")
    parser.add_argument("--skip-native", action="store_true",
                        help="run without the Rust and Go stages")
    parser.add_argument("--sink-width", type=_positive, default=960,
                        help="width of the annotated video (default 960)")
    parser.add_argument("--cache-dir", type=Path, default=cache,
                        help=f"where the test clip is kept (default {cache})")
    args = parser.parse_args(argv)
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def _source_spec(args: argparse.Namespace) -> Tuple[SourceSpec, float]:
    """The source as given (camera index, file) or the test clip, checked."""
    width, height = args.size
    frames, duration = args.frames, args.duration
    if args.source is None:
        clip = clip_path(args.cache_dir / "clips", width, height)
        if not clip.exists():
            print(f"rendering the test clip (once): {clip}", flush=True)
            render_clip(clip, width, height)
        source: str | int = str(clip)
        if frames is None and duration is None:
            frames = DEFAULT_FRAMES
    elif args.source.isdigit():
        source = int(args.source)
        if frames is None and duration is None:
            duration = DEFAULT_CAMERA_S
    else:
        source = args.source
    # A file with neither --frames nor --duration plays once, to its end.
    spec = SourceSpec(source, width, height, frames, duration)
    return spec, probe(spec)


def _run(console: Console, args: argparse.Namespace, spec: SourceSpec, fps: float,
         transport: str) -> RunResult:
    out_dir = args.out / transport
    native = transport == "shmring" and not args.skip_native
    options = RunOptions(spec, fps, args.detectors, out_dir, args.sink_width,
                         args.bin_dir if native else None, transport)
    title = (f"{spec.describe()} at {spec.width}x{spec.height} over {transport}, "
             f"{args.detectors} detector(s)")
    with make_display(title) as display:
        result = Pipeline(options, display).run()
    save_result(result, out_dir / "run.json")
    chart(result, out_dir / "chart.png")
    print_outputs(console, result, [out_dir / "run.json", out_dir / "chart.png"])
    return result


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    console = Console()
    try:
        if not args.skip_native:
            native_programs(args.bin_dir)
        spec, fps = _source_spec(args)
        results = [_run(console, args, spec, fps, "shmring")]
        if args.transport == "queue":
            console.print("queue: the same Python stages over multiprocessing.Queue "
                          "(the Rust and Go stages read shmring rings only: skipped)",
                          soft_wrap=True)
            results.append(_run(console, args, spec, fps, "queue"))
            console.print(comparison_table(results))
    except BadInput as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 2
    except (StageFailed, shmring.Error, OSError) as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROGRAM}: interrupted; every stage stopped", file=sys.stderr)
        return 130
    return 0

