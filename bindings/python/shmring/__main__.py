"""python -m shmring: watch a named ring, list segments, remove stale ones.

    python -m shmring stat /frames              live view (rich if installed)
    python -m shmring stat /frames --json       one snapshot as JSON
    python -m shmring ls                        rings and locks in /dev/shm, live or stale
    python -m shmring rm --stale                remove every stale one
    python -m shmring rm /frames                remove it if it is stale (--force: even if not)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from ._errors import Error
from ._ring import Ring
from ._segments_cli import add_commands, list_command, remove_command
from ._statrender import rich_renderer, show_plain
from ._statview import as_json


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m shmring")
    commands = p.add_subparsers(dest="command", required=True)
    stat = commands.add_parser(
        "stat", help="participants, positions, lag, rates and drops of a named ring")
    stat.add_argument("name", help='the ring\'s name ("/name")')
    stat.add_argument("--json", action="store_true", help="print one snapshot as JSON and exit")
    stat.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    stat.add_argument("--count", type=int, default=None,
                      help="stop after this many refreshes (default: until Ctrl-C)")
    stat.add_argument("--plain", action="store_true",
                      help="plain lines even if rich is installed")
    add_commands(commands)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "ls":
        return list_command(args)
    if args.command == "rm":
        return remove_command(args)
    return stat_command(args)


def stat_command(args: argparse.Namespace) -> int:
    if args.interval <= 0 or (args.count is not None and args.count < 1):
        parser().error("--interval must be positive and --count at least 1")
    try:
        ring = Ring.open(args.name, timeout=0)
    except Error as e:
        print(f"python -m shmring stat: {e}", file=sys.stderr)
        return 1
    with ring:
        if args.json:
            print(json.dumps(as_json(ring, ring.stats()), indent=2))
            return 0
        show = None if args.plain else rich_renderer()
        try:
            if show is None:
                show_plain(ring, args.interval, args.count)
            else:
                show(ring, args.interval, args.count)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
