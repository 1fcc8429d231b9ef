"""`pyref bench`: training steps, the search and the parity run against their limits."""

from __future__ import annotations

import argparse

from pyref.cli.args import error, positive_int_arg


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `bench` subcommand."""
    ben = sub.add_parser(
        "bench",
        help="measure a training step, a search and a parity run against their limits",
        description="Time training steps (chapter 6's MLP, chapter 7's SimpleConvNet, chapter 8's "
        "DeepConvNet) in Python "
        "and Julia against each one's GEMM-only "
        "bound, search throughput, the parity run and peak memory; print a table.",
    )
    ben.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run")
    ben.add_argument(
        "--only",
        nargs="+",
        choices=("step", "convnet", "deepconvnet", "search", "search-ttt", "parity", "verify"),
        help="measure only these sections (default: all but search-ttt, the "
        "samplers' time to target, about 20 minutes)",
    )
    ben.add_argument(
        "--book",
        metavar="DIR",
        default=None,
        help="also time the book's own SimpleConvNet and DeepConvNet steps, from this "
        "checkout of deep-learning-from-scratch (convnet and deepconvnet sections)",
    )
    for name, what in (
        ("seeds", "seeds (default 5; --quick 2)"),
        ("trials", "trials per study (default 100; --quick 12)"),
        ("epochs", "epochs per trial (default 50; --quick 6)"),
    ):
        ben.add_argument(
            f"--ttt-{name}", type=positive_int_arg, default=None, help=f"search-ttt section: {what}"
        )
    ben.add_argument("--json", metavar="FILE", help="write every figure and detail as JSON")
    ben.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from pyref import bench
    from pyref.fileio import OutputPathError, check_output_file
    from pyref.runtime.session import JuliaBridgeError

    if args.json:  # before any work: a typo must not cost the run
        try:
            check_output_file(args.json, "--json")
        except OutputPathError as err:
            return error("bench", err)
    try:
        record = bench.run(
            quick=args.quick,
            sections=tuple(args.only or bench.SECTIONS),
            book=args.book,
            ttt={"seeds": args.ttt_seeds, "trials": args.ttt_trials, "epochs": args.ttt_epochs},
        )
    except (JuliaBridgeError, RuntimeError, ValueError) as err:  # ValueError: a bad --book
        return error("bench", err)
    print(bench.format_table(record))
    if args.json:
        from pyref.fileio import write_json

        print(f"wrote {write_json(args.json, record)}")
    return 0
