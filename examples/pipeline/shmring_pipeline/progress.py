"""The live progress display: a rich table redrawn in place on a terminal,
plain periodic lines otherwise (a log, a pipe, CI)."""

from __future__ import annotations

import collections
import sys
import time
from typing import Deque, Dict

from rich.console import Console
from rich.live import Live
from rich.table import Table

from .orchestrator import RATE_WINDOW_S, STAGES, Sample, StageState

PLAIN_EVERY_S = 2.0


class _Rates:
    """Frames per second per stage row over the last RATE_WINDOW_S."""

    def __init__(self) -> None:
        self._samples: Deque[Sample] = collections.deque()

    def add(self, sample: Sample) -> None:
        self._samples.append(sample)
        while sample.t - self._samples[0].t > RATE_WINDOW_S:
            self._samples.popleft()

    def rate(self, name: str) -> float:
        return self._samples[-1].rate_since(self._samples[0], name) if self._samples else 0.0


def _rows(states: Dict[str, StageState]) -> Dict[str, list[StageState]]:
    rows: Dict[str, list[StageState]] = {}
    for state in states.values():
        rows.setdefault(state.name, []).append(state)
    return {name: rows[name] for name in STAGES if name in rows}


class LiveDisplay:
    """A rich Live table: stage, processes, frames, frames/s, lag, drops."""

    def __init__(self, title: str) -> None:
        self._title = title
        self._rates = _Rates()
        self._live = Live(Table(), console=Console(), refresh_per_second=4, transient=False)

    def __enter__(self) -> "LiveDisplay":
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)

    def __call__(self, states: Dict[str, StageState], sample: Sample) -> None:
        self._rates.add(sample)
        table = Table(title=self._title)
        for column in ("stage", "procs", "frames", "frames/s", "ring lag", "dropped", "state"):
            table.add_column(column, justify="left" if column in ("stage", "state") else "right")
        for name, members in _rows(states).items():
            finished = sum(1 for m in members if m.done)
            table.add_row(name, str(len(members)), str(sample.frames.get(name, 0)),
                          f"{self._rates.rate(name):.1f}", str(sample.lag.get(name, "")),
                          str(sample.dropped.get(name, 0)),
                          "done" if finished == len(members) else "running")
        self._live.update(table)


class PlainDisplay:
    """One line every PLAIN_EVERY_S: `source 120 f 41.0 f/s | sink 110 f ... lag 8`."""

    def __init__(self, title: str) -> None:
        self._rates = _Rates()
        self._last = 0.0
        print(title, flush=True)

    def __enter__(self) -> "PlainDisplay":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __call__(self, states: Dict[str, StageState], sample: Sample) -> None:
        self._rates.add(sample)
        if time.monotonic() - self._last < PLAIN_EVERY_S:
            return
        self._last = time.monotonic()
        parts = []
        for name in _rows(states):
            part = f"{name} {sample.frames.get(name, 0)} f {self._rates.rate(name):.1f} f/s"
            if name in sample.lag:
                part += f" lag {sample.lag[name]}"
            if sample.dropped.get(name):
                part += f" dropped {sample.dropped[name]}"
            parts.append(part)
        print(" | ".join(parts), flush=True)


def make_display(title: str) -> "LiveDisplay | PlainDisplay":
    return LiveDisplay(title) if sys.stdout.isatty() else PlainDisplay(title)
