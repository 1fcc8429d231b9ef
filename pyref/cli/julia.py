"""`pyref julia`: install, locate and test the Julia runtime for PyRef."""

from __future__ import annotations

import argparse

from pyref.cli.args import error


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `julia` subcommand."""
    jl = sub.add_parser("julia", help="install, locate and test the Julia runtime for PyRef")
    jl_sub = jl.add_subparsers(dest="julia_command", required=True)
    inst = jl_sub.add_parser("install", help="install a project-local Julia if none is found")
    inst.add_argument("--force", action="store_true", help="reinstall the project-local Julia")
    jl_sub.add_parser("which", help="print the julia executable pyref will use")
    test = jl_sub.add_parser("test", help="run julia/test/runtests.jl")
    test.add_argument("julia_args", nargs=argparse.REMAINDER, help="passed to runtests.jl")
    jl.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from pyref.runtime import install, locate

    try:
        if args.julia_command == "install":
            path = install.install(force=args.force)
            print(path)
            return 0
        if args.julia_command == "which":
            print(locate.which())
            return 0
        if args.julia_command == "test":
            from pyref.parity import runner

            return runner.run_julia_tests(args.julia_args)
    except locate.JuliaNotFoundError as err:
        return error("julia", err)
    raise AssertionError(args.julia_command)
