"""The `pyref` command line: run the book's experiments, manage the Julia runtime."""

from __future__ import annotations

import argparse
import sys


def _cmd_julia(args: argparse.Namespace) -> int:
    from pyref.julia import runtime

    try:
        if args.julia_command == "install":
            path = runtime.install(force=args.force)
            print(path)
            return 0
        if args.julia_command == "which":
            print(runtime.which())
            return 0
        if args.julia_command == "test":
            return runtime.run_tests(args.julia_args)
    except runtime.JuliaNotFoundError as err:
        print(f"pyref: {err}", file=sys.stderr)
        return 2
    raise AssertionError(args.julia_command)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `pyref` and all its subcommands."""
    parser = argparse.ArgumentParser(prog="pyref", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    jl = sub.add_parser("julia", help="install, locate and test the Julia runtime for PyRef")
    jl_sub = jl.add_subparsers(dest="julia_command", required=True)
    inst = jl_sub.add_parser("install", help="install a project-local Julia if none is found")
    inst.add_argument("--force", action="store_true", help="reinstall the project-local Julia")
    jl_sub.add_parser("which", help="print the julia executable pyref will use")
    test = jl_sub.add_parser("test", help="run julia/test/runtests.jl")
    test.add_argument("julia_args", nargs=argparse.REMAINDER, help="passed to runtests.jl")
    jl.set_defaults(func=_cmd_julia)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pyref` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
