"""Rendering `python -m shmring stat NAME`: a live table refreshed in place
with rich (the [cli] extra) or, without it, a block of plain lines per
refresh."""

from __future__ import annotations

import sys
import time
from typing import Callable, Iterator, List, Optional, TextIO, Tuple

from ._ring import Ring
from ._stats import RingStats
from ._statview import COLUMNS, cells, headline, rows


def snapshots(ring: Ring, interval: float,
              count: Optional[int]) -> Iterator[Tuple[RingStats, Optional[RingStats], float]]:
    """(snapshot, the one before or None, seconds between them), every
    `interval` seconds, `count` times (None: until interrupted)."""
    previous: Optional[RingStats] = None
    taken = 0.0
    n = 0
    while count is None or n < count:
        if n:
            time.sleep(interval)
        now, stats = time.monotonic(), ring.stats()
        yield stats, previous, now - taken
        previous, taken, n = stats, now, n + 1


def table_lines(ring: Ring, stats: RingStats, previous: Optional[RingStats],
                seconds: float) -> List[str]:
    """A refresh as aligned plain text: the headline, then a table."""
    table = [COLUMNS, *(cells(r) for r in rows(stats, previous, seconds))]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    return [headline(ring, stats, previous, seconds),
            *("  ".join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(line, widths)))
              for line in table)]


def show_plain(ring: Ring, interval: float, count: Optional[int],
               out: TextIO = sys.stdout) -> None:
    for stats, previous, seconds in snapshots(ring, interval, count):
        out.write("\n".join(table_lines(ring, stats, previous, seconds)) + "\n\n")
        out.flush()


def rich_renderer() -> Optional[Callable[[Ring, float, Optional[int]], None]]:
    """show_rich if rich is installed, else None."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return None
    return show_rich


def show_rich(ring: Ring, interval: float, count: Optional[int]) -> None:
    from rich.live import Live
    from rich.table import Table

    def render(stats: RingStats, previous: Optional[RingStats], seconds: float) -> Table:
        table = Table(title=headline(ring, stats, previous, seconds), title_justify="left")
        for i, column in enumerate(COLUMNS):
            table.add_column(column, justify="left" if i == 0 else "right")
        for row in rows(stats, previous, seconds):
            table.add_row(*cells(row), style=None if row.alive else "bold red")
        return table

    with Live(auto_refresh=False) as live:
        for stats, previous, seconds in snapshots(ring, interval, count):
            live.update(render(stats, previous, seconds), refresh=True)
