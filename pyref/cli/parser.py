"""The `pyref` command line: run the book's experiments, search hyperparameters at
scale, manage the Julia runtime.

Exit codes: 0 success; 1 `pyref parity`: some output disagrees (`pyref search`:
trials are left unfinished, run again to resume); 2 the command could not do its
work (bad input, an unusable file, folder, database or Julia), with one line
`pyref <command>: error: ...` on stderr; 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM), either after stopping its workers and keeping what it had finished.
"""

from __future__ import annotations

import argparse
import sys

from pyref import interrupt, tempdirs
from pyref.cli import bench, julia, parity, run, search, verify


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `pyref` and all its subcommands."""
    parser = argparse.ArgumentParser(prog="pyref", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    for command in (run, parity, verify, bench, search, julia):  # the order `pyref --help` lists
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pyref` console script. SIGTERM stops a command as Ctrl-C
    does (pyref.interrupt), with exit code 143 instead of 130."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from pyref.allocator import keep_freed_memory

    keep_freed_memory()
    tempdirs.sweep_all()  # what killed commands could not remove
    try:
        with interrupt.sigterm_as_interrupt():
            return int(args.func(args) or 0)
    except KeyboardInterrupt as err:
        print(f"pyref {args.command}: {interrupt.describe(err)}", file=sys.stderr)
        return interrupt.exit_code(err)
