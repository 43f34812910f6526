"""After a run: run.json, the summary table, the chart, and the comparison of
the two transports."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import List

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from .orchestrator import RunResult, Sample  # noqa: E402


def save_result(result: RunResult, path: Path) -> None:
    data = dataclasses.asdict(result)
    data["fps"] = result.fps
    data["python_cpu_ms_per_frame"] = result.python_cpu_ms_per_frame()
    path.write_text(json.dumps(data, indent=2) + "\n")


def summary_table(result: RunResult) -> Table:
    table = Table(title=f"{result.frames} frames in {result.wall_s:.1f} s over {result.transport}: "
                        f"{result.fps:.1f} frames/s end to end")
    for column in ("stage", "procs", "frames", "frames/s", "CPU s", "CPU ms/frame", "dropped"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for name, row in result.stages.items():
        frames = row["frames"]
        table.add_row(name, str(row["members"]), str(frames),
                      f"{frames / result.wall_s:.1f}" if result.wall_s else "-",
                      f"{row['cpu_s']:.1f}",
                      f"{1000 * row['cpu_s'] / frames:.1f}" if frames else "-",
                      str(row["skipped"]))
    return table


def comparison_table(runs: List[RunResult]) -> Table:
    table = Table(title="the same Python stages over each transport")
    table.add_column("")
    for run in runs:
        table.add_column(run.transport, justify="right")
    table.add_row("frames", *(str(run.frames) for run in runs))
    table.add_row("frames/s end to end", *(f"{run.fps:.1f}" for run in runs))
    table.add_row("CPU ms per frame (Python stages)",
                  *(f"{run.python_cpu_ms_per_frame():.1f}" for run in runs))
    return table


#: The chart smooths over this window: samples come every 0.25 s, and a
#: frame's work comes in bursts (a full ring, then a batch).
CHART_WINDOW_S = 2.0


def _windows(samples: List[Sample]) -> List[List[Sample]]:
    """For each sample, the samples of the CHART_WINDOW_S up to it."""
    windows, first = [], 0
    for last, sample in enumerate(samples):
        while sample.t - samples[first].t > CHART_WINDOW_S:
            first += 1
        windows.append(samples[first:last + 1])
    return windows


def chart(result: RunResult, path: Path) -> None:
    """Throughput and ring lag per stage over time, one line per stage."""
    samples = result.samples
    figure, (rate_axes, lag_axes) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    times = [s.t - samples[0].t for s in samples] if samples else []
    windows = _windows(samples)
    for colour, name in enumerate(result.stages):
        style = {"label": name, "color": f"C{colour}"}  # a stage's colour in both plots
        rate_axes.plot(times, [w[-1].rate_since(w[0], name) for w in windows], **style)
        if any(name in s.lag for s in samples):
            lag_axes.plot(times, [sum(s.lag.get(name, 0) for s in w) / len(w) for w in windows],
                          **style)
    rate_axes.set_ylabel(f"frames/s (over {CHART_WINDOW_S:.0f} s)")
    rate_axes.set_title(f"pipeline over {result.transport}: throughput and lag per stage")
    rate_axes.legend(loc="upper right", fontsize="small")
    lag_axes.set_ylabel(f"frames behind the source (mean over {CHART_WINDOW_S:.0f} s)")
    lag_axes.set_xlabel("seconds since the source started")
    lag_axes.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def print_outputs(console: Console, result: RunResult, extra: List[Path]) -> None:
    console.print(summary_table(result))
    paths = [Path(p) for row in result.stages.values() for p in row["outputs"]] + extra
    console.print("outputs:")
    for path in dict.fromkeys(paths):  # once each, in order
        console.print(f"  {path}", highlight=False, soft_wrap=True)
