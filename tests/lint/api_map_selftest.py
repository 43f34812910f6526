#!/usr/bin/env python3
"""api_map.py refuses what it is for: on a copy of the checked files, each
damage to the map (or to a deprecated name's marking) is reported, and the
real map is clean.

    python3 tests/lint/api_map_selftest.py ROOT
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import api_map  # noqa: E402

FILES = ["docs/api-map.md", "c/include/shmring.h", "bindings/python/shmring",
         "bindings/rust/shmring/src", "bindings/go"]

# (what is damaged, file, text replaced, replacement, expected in a problem)
DAMAGE = [
    ("a C name", "docs/api-map.md", "| `shmring_close_stream` |", "| `shmring_end_stream` |",
     "shmring_end_stream not found"),
    ("a Python name", "docs/api-map.md", "`shmring_close_stream` | `Ring.close_stream` |",
     "`shmring_close_stream` | `Ring.end_streams` |",
     "Ring.end_streams not found"),
    ("a Python keyword", "docs/api-map.md", "`Ring.create(replace_stale)`",
     "`Ring.create(replace_stales)`", "Ring.create(replace_stales) not found"),
    ("a Rust name", "docs/api-map.md", "| `Ring::close_stream` |", "| `Ring::end_stream` |",
     "Ring::end_stream not found"),
    ("a Rust field", "docs/api-map.md", "| `Stats.slots_abandoned` |", "| `Stats.abandoned` |",
     "Stats.abandoned not found"),
    ("a Go name", "docs/api-map.md", "| `Ring.CloseStream` |", "| `Ring.EndStream` |",
     "Ring.EndStream not found"),
    ("a Go field", "docs/api-map.md", "| `Stats.SlotsAbandoned` |", "| `Stats.Abandoned` |",
     "Stats.Abandoned not found"),
    ("prose in a name cell", "docs/api-map.md", "| `Ring.reader(lossy)` |",
     "| `Ring.reader(lossy=True)` |", "is not a name"),
    ("an empty cell", "docs/api-map.md", "`shmring_peek_batch` | `Reader.peek_batch` |",
     "`shmring_peek_batch` | |", "neither names nor"),
    ("a C alias that is a new value", "c/include/shmring.h",
     "#define SHMRING_ETOO_LARGE SHMRING_ETOOLARGE", "#define SHMRING_ETOO_LARGE (-5)",
     "deprecated C SHMRING_ETOO_LARGE"),
    ("a Python alias that is a plain method", "bindings/python/shmring/_ring.py",
     'end_stream = _deprecated.method("end_stream", "close_stream")',
     "end_stream = close_stream", "deprecated Python Ring.end_stream"),
    ("a Rust field without #[deprecated]", "bindings/rust/shmring/src/stats.rs",
     '#[deprecated(since = "0.1.1", note = "use `readers`', '#[doc = "use `readers`',
     "deprecated Rust Stats.readers_active"),
    ("a Go method without Deprecated:", "bindings/go/reader.go",
     "// Deprecated: use Peek (docs/api-map.md)", "// Use Peek (docs/api-map.md)",
     "deprecated Go Reader.View"),
]


def copy(root: pathlib.Path, into: pathlib.Path) -> None:
    for f in FILES:
        source, target = root / f, into / f
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    failures = []
    clean = api_map.check(root)
    if clean:
        failures.append(f"the real map is not clean: {clean}")
    for what, file, old, new, expected in DAMAGE:
        with tempfile.TemporaryDirectory() as tmp:
            work = pathlib.Path(tmp)
            copy(root, work)
            path = work / file
            text = path.read_text()
            if text.count(old) != 1:
                failures.append(f"{what}: {old!r} is not once in {file} (update this test)")
                continue
            path.write_text(text.replace(old, new))
            problems = api_map.check(work)
            if not any(expected in p for p in problems):
                failures.append(f"{what}: not reported (problems: {problems})")
    for f in failures:
        print(f"FAIL: {f}")
    print(f"api_map selftest: {len(DAMAGE) - len(failures)} of {len(DAMAGE)} damages reported"
          if not failures else "")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
