"""The `pyref` command line: run the book's experiments, search hyperparameters at
scale, manage the Julia runtime.

Exit codes: 0 success; 1 `pyref parity`: some output disagrees (`pyref search`:
trials are left unfinished, run again to resume); 2 the command could not do its
work (bad input, an unusable file, folder, database or Julia), with one line
`pyref <command>: error: ...` on stderr; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys

from pyref.cli import bench, julia, parity, run, search, verify


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `pyref` and all its subcommands."""
    parser = argparse.ArgumentParser(prog="pyref", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    for command in (run, parity, verify, bench, search, julia):  # the order `pyref --help` lists
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pyref` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from pyref.memory import keep_freed_memory

    keep_freed_memory()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"pyref {args.command}: interrupted", file=sys.stderr)
        return 130
