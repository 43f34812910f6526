"""python -m shmring ls / rm: list the segments in /dev/shm, remove stale ones.

    python -m shmring ls                 every shmring ring and lock, live or stale
    python -m shmring ls --json          the same as JSON
    python -m shmring rm --stale         remove every stale ring and lock
    python -m shmring rm NAME...         remove these, if they are stale
    python -m shmring rm --force NAME    remove it even if processes use it

A segment is stale when every process recorded in it (creator, writers,
readers, a lock's holders) is dead. A live one is never removed without
--force, and --force says whose it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import List, Optional, Sequence, Tuple

from . import _core
from ._errors import Error, NotFound
from ._segments import SegmentInfo, inspect, remove_stale, segment_names


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    ls = commands.add_parser("ls", help="list rings and locks in /dev/shm, live or stale")
    ls.add_argument("--json", action="store_true", help="print them as JSON")
    ls.add_argument("--prefix", default="", help="only names starting with this")
    rm = commands.add_parser("rm", help="remove stale rings and locks")
    rm.add_argument("names", nargs="*", metavar="NAME", help="segments to remove if stale")
    rm.add_argument("--stale", action="store_true",
                    help="every stale ring and lock in /dev/shm (with --prefix: those)")
    rm.add_argument("--prefix", default="", help="with --stale: only names starting with this")
    rm.add_argument("--force", action="store_true",
                    help="remove the NAMEs even if live processes use them")


def _survey(prefix: str) -> Tuple[List[SegmentInfo], List[str], List[str]]:
    """(shmring segments, names of files that are not, names unreadable)."""
    found: List[SegmentInfo] = []
    foreign: List[str] = []
    unreadable: List[str] = []
    for name in segment_names(prefix):
        try:
            info = inspect(name)
        except NotFound:  # removed meanwhile
            continue
        except Error as e:
            unreadable.append(f"{name} ({e})")
            continue
        if info.is_shmring:
            found.append(info)
        else:
            foreign.append(name)
    return found, foreign, unreadable


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    scaled = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GiB":
            break
    return f"{scaled:.1f} {unit}"


def _geometry(info: SegmentInfo) -> str:
    if info.kind == "ring":
        return f"{info.slot_count} x {info.slot_bytes} B"
    if info.kind == "lock":
        return f"{info.max_holders} holders"
    return "-"


def _state(info: SegmentInfo) -> str:
    return "stale" if info.stale else ("live" if info.live else info.kind)


def list_command(args: argparse.Namespace) -> int:
    found, foreign, unreadable = _survey(args.prefix)
    if args.json:
        print(json.dumps({"segments": [dataclasses.asdict(i) for i in found],
                          "skipped": foreign, "unreadable": unreadable}, indent=2))
        return 0
    rows = [("NAME", "KIND", "SIZE", "GEOMETRY", "WRITERS", "READERS", "STATE", "")]
    for i in found:
        rows.append((i.name, i.kind, _size(i.segment_bytes), _geometry(i),
                     str(i.live_writers), str(i.live_readers if i.kind != "lock"
                                              else i.live_holders),
                     _state(i), i.summary))
    widths = [max(len(r[c]) for r in rows) for c in range(7)]
    for r in rows:
        print(("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[7]).rstrip())
    if not found:
        print("(no shmring segments)")
    if foreign:
        files = "1 file that is" if len(foreign) == 1 else f"{len(foreign)} files that are"
        print(f"skipped {files} not a shmring segment: " + ", ".join(foreign))
    for line in unreadable:
        print(f"cannot inspect {line}")
    return 0


def _remove_names(names: Sequence[str], force: bool) -> int:
    failed = 0
    for name in names:
        try:
            if not force:
                remove_stale(name)
                print(f"removed {name} (stale)")
                continue
            info = inspect(name)
            if not info.is_shmring:
                print(f"python -m shmring rm: {name} is not a shmring segment "
                      f"({info.summary}); not removed", file=sys.stderr)
                failed += 1
                continue
            _core.unlink(name)
            print(f"removed {name} ({info.summary})")
        except Error as e:
            print(f"python -m shmring rm: {e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def remove_command(args: argparse.Namespace) -> int:
    if args.names:  # with or without --stale: only these
        return _remove_names(args.names, args.force)
    if not args.stale:
        print("python -m shmring rm: name the segments, or say --stale", file=sys.stderr)
        return 2
    if args.force:
        print("python -m shmring rm: --force needs the NAMEs", file=sys.stderr)
        return 2
    found, _, _ = _survey(args.prefix)
    stale = [i.name for i in found if i.stale]
    if not stale:
        print("no stale segments")
        return 0
    return _remove_names(stale, force=False)
