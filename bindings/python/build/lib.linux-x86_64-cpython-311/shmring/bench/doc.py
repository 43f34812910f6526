"""python -m shmring.bench.doc RESULTS.json TABLES.md DOC.md: rewrite the
part of DOC.md between the results markers with the run's machine and
command, the chart, the targets and the fractions of the machine's limits
(both measured from RESULTS.json) and the tables."""

from __future__ import annotations

import json
import re
import sys
from typing import List, Optional

from . import _native, _targets
from ._results import load

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def section(results: str, tables: str, chart: str) -> str:
    with open(results, encoding="utf-8") as f:
        meta = json.load(f)
    with open(tables, encoding="utf-8") as f:
        text = f.read()
    rows = load(results)
    return (f"{BEGIN}\n\nWritten by `bash scripts/bench.sh` (do not edit by hand). "
            f"On {meta.get('machine', '?')}: `{meta.get('command', '?')}`.\n\n"
            f"![throughput against message size]({chart})\n\n"
            f"### Targets (issue #6), from this run\n\n{_targets.table(rows)}\n"
            f"### Against the machine's limits, from this run\n\n"
            f"{_native.against_limits(rows)}\n"
            f"{text}\n{END}")


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    results, tables, doc = args
    with open(doc, encoding="utf-8") as f:
        old = f.read()
    if BEGIN not in old or END not in old:
        print(f"{doc} has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END),
                 lambda _: section(results, tables, "benchmarks.png"), old, flags=re.S)
    with open(doc, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
