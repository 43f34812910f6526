"""What the tool prints: the seed's per-process report, a live progress line
(from ring statistics) and the final summary table."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import List, Sequence, TextIO

from .._stats import RingStats


@dataclass(frozen=True)
class Result:
    """What one process did, sent to the parent for the summary."""

    label: str
    slots: int
    seconds: float
    slot_bytes: int
    target: float       # slots per second it was meant to move
    waits: int = 0      # sleeps for space (writers) or data (readers)
    full: int = 0       # writers: writes refused, the ring full
    missed: int = 0     # readers: passed over (lossy)
    errors: int = 0     # readers: verification failures
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.slots / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_per_second(self) -> float:
        return self.slot_bytes * self.rate / 1e6

    @property
    def percent_of_target(self) -> float:
        """How far from the target, as the seed printed it (0.0 = on it)."""
        return 100 * (self.rate - self.target) / self.target if self.target else 0.0


def process_report(r: Result) -> str:
    """The seed's report of one process, line for line."""
    return (f"{r.label}\n"
            f"{r.slots} slots in {r.seconds:f} seconds\n"
            f"{r.mb_per_second:f} MBytes per second\n"
            f"{r.rate:f} slots/second, {r.percent_of_target:.1f}% relative to target\n")


class Progress:
    """One line about the ring, rewritten in place on a terminal (a new line
    per update otherwise): messages written, the rate since the last update,
    the readers' largest lag and what lossy readers missed."""

    def __init__(self, start: RingStats, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last = start
        self._last_time = 0.0
        self._width = 0

    def update(self, elapsed: float, stats: RingStats) -> None:
        written = stats.next_sequence
        rate = 0.0
        if elapsed > self._last_time:
            rate = (written - self._last.next_sequence) / (elapsed - self._last_time)
        self._last, self._last_time = stats, elapsed
        readers = stats.reader_stats
        lag = max((r.lag for r in readers), default=0)
        missed = sum(r.missed for r in readers)
        line = (f"[{elapsed:6.1f}s] written {written} ({rate:.1f}/s), "
                f"{len(stats.writer_stats)} writers, {len(readers)} readers, "
                f"max lag {lag}, missed {missed}")
        if self._tty:
            self._stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def clear(self) -> None:
        """Blank the line on a terminal, before other output."""
        if self._tty and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def end(self) -> None:
        if self._tty and self._width:
            self._stream.write("\n")
            self._stream.flush()


COLUMNS = ("process", "slots", "seconds", "MB/s", "slots/s", "vs target",
           "waits", "full", "missed", "errors")


def summary_table(results: Sequence[Result]) -> str:
    """Every process's numbers in aligned columns."""
    rows: List[Sequence[str]] = [COLUMNS]
    for r in results:
        rows.append((r.label, str(r.slots), f"{r.seconds:.3f}", f"{r.mb_per_second:.2f}",
                     f"{r.rate:.2f}", f"{r.percent_of_target:+.1f}%", str(r.waits),
                     str(r.full), str(r.missed), str(r.errors)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
