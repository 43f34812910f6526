"""python -m shmring_bench.chart RESULTS.json OUT.png: throughput (MB/s)
against message size per transport, log-log, from a --json file's 1→1
rows (one message per call; "(reserve)": written into a reserved slot; the
C, Rust and Go programs' rows too), with single-thread memcpy at each size
(the machine's limit, --native-bin) as a dashed reference line. Left out:
batches and untouched payloads (other axes than size) and the seed's perf
scenarios (rate-limited by design)."""

from __future__ import annotations

import importlib
import sys
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple

from ._results import Row, load, ok
from ._workloads import SEED_PERF

_OTHER_AXES = ("-batch", "-untouched")
#: The series the limits program's memcpy rows make (a reference, not a transport).
MEMCPY = "memcpy, one thread (limit)"


def _label(r: Row) -> str:
    if r["transport"] == "limit-memcpy":
        return MEMCPY
    return str(r["transport"]) + (" (reserve)" if r["workload"].endswith("-reserve") else "")


def series(rows: List[Row]) -> Dict[str, List[Tuple[int, float]]]:
    """label → [(size, MB/s)], sorted by size."""
    points: Dict[str, List[Tuple[int, float]]] = defaultdict(list)
    for r in rows:
        if (ok(r) and r["p50_us"] is None and r["writers"] == 1 and r["readers"] == 1
                and not r["workload"].endswith(_OTHER_AXES) and r["workload"] != SEED_PERF):
            points[_label(r)].append((r["size"], r["mb_per_s"]))
    return {k: sorted(v) for k, v in points.items()}


def render(rows: List[Row], out: str) -> None:
    # Imported here, as Any: only the chart needs matplotlib, and the package
    # type-checks without it.
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")

    figure, axes = plt.subplots(figsize=(9, 6))
    # tab20: more series than the default cycle's 10 colours, none repeated.
    colours = iter(plt.get_cmap("tab20").colors)
    for label, points in sorted(series(rows).items()):
        sizes, rates = zip(*points)
        style = ({"linestyle": "--", "color": "black"} if label == MEMCPY
                 else {"marker": "o", "color": next(colours)})
        axes.plot(sizes, rates, label=label, **style)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("message size (bytes)")
    axes.set_ylabel("throughput (MB/s)")
    axes.set_title("shmring and peers, 1→1, every message verified")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    render(load(args[0]), args[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
