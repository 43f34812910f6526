"""Every atomic access in c/src (and bench/c) names why its memory order is enough.

Each call of the atomics vocabulary (c/src/atomics.h) must have, on its line
or in the few lines above it, a comment with either SYNC(label) -- naming
the access it pairs with, the same label at both ends -- or "Relaxed:" with
the reason relaxed suffices. Every SYNC label must appear at least twice
(both ends of the pair). Exit status 1 lists the offenders.
"""
import pathlib
import re
import sys

ATOMIC_CALL = re.compile(
    r"\b(load_(relaxed|acquire|seq_cst)|store_(relaxed|release|seq_cst)|"
    r"fetch_(add|sub)_(relaxed|seq_cst)|cas_seq_cst|seqlock_fence_(release|acquire)|"
    # <stdatomic.h> spelled out (bench/c, which does not use c/src/atomics.h)
    r"atomic_(load|store|exchange|fetch_[a-z]+|compare_exchange_[a-z]+)_explicit)\(")
JUSTIFICATION = re.compile(r"SYNC\([a-z-]+\)|Relaxed[: ]")
LABEL = re.compile(r"SYNC\(([a-z-]+)\)")
LOOKBACK = 8  # lines above a call that its comment may occupy


def main(source_dir: pathlib.Path) -> int:
    problems = []
    labels = {}
    for path in sorted(source_dir.glob("*.c")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            for label in LABEL.findall(line):
                labels.setdefault(label, []).append(f"{path.name}:{number}")
            if not ATOMIC_CALL.search(line) or line.lstrip().startswith("#define"):
                continue
            context = "\n".join(lines[max(0, number - 1 - LOOKBACK):number])
            if not JUSTIFICATION.search(context):
                problems.append(f"{path.name}:{number}: no SYNC(...) or Relaxed: "
                                f"comment for: {line.strip()}")
    for label, places in sorted(labels.items()):
        if len(places) < 2:
            problems.append(f"SYNC({label}) appears only at {places[0]}: "
                            "name it at both ends of the pair")
    for problem in problems:
        print(problem)
    print(f"{len(labels)} SYNC labels checked; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    here = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "c/src")
    sys.exit(main(here))
