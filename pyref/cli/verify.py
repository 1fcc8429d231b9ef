"""`pyref verify`: check Julia ports of the book's components; `pyref vectors`: write
known-answer vectors for a port's own tests."""

from __future__ import annotations

import argparse
import sys

from pyref.cli.args import error, positive_int_arg, seconds_arg, seed_arg


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `verify` and `vectors` subcommands."""
    from pyref.verify.runner import DEFAULT_STEPS, DEFAULT_TIMEOUT

    ver = sub.add_parser(
        "verify",
        help="check Julia ports of the book's components: exact, rounding, formula or error",
        description="Run the checks that Julia port files register with PyRef.Verify "
        "(verify_optimizer, verify_layer, verify_function, verify_net, verify_training) "
        "on numpy-drawn inputs, run the book's component on the same inputs and compare "
        "every output of every step: exact, rounding (the same formula in another order), "
        "formula (a different computation) or error (the port threw). Exit status 0 when "
        "every check is exact, 1 when one differs or errors, 2 for a usage or file error. "
        "Port files are Julia code run with your rights: verify only files you trust.",
    )
    ver.add_argument("files", nargs="+", metavar="PORT.jl", help="Julia port files")
    ver.add_argument(
        "--steps",
        type=positive_int_arg,
        default=DEFAULT_STEPS,
        help=f"steps per check: updates, passes, minibatches (default {DEFAULT_STEPS})",
    )
    ver.add_argument("--seed", type=seed_arg, default=0, help="numpy's seed (default 0)")
    ver.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="GLOB",
        help="run only the checks whose label matches one of these globs",
    )
    ver.add_argument(
        "--timeout",
        type=seconds_arg,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds one check may take in Julia (default {DEFAULT_TIMEOUT:g}); a check "
        "that takes longer is an error and the others go on",
    )
    ver.add_argument("--json", metavar="FILE", help="write every verdict and its evidence as JSON")
    ver.set_defaults(func=verify_command)

    vec = sub.add_parser(
        "vectors",
        help="write known-answer vectors (.npy and a JSON manifest) for a port's own tests",
        description="Write the book's inputs and outputs for COMPONENTs (optimizers such "
        "as Momentum, layers such as Affine, functions such as softmax, nets "
        "MultiLayerNet and MultiLayerNetExtend, and 'training' or 'training:OPTIMIZER') "
        "as .npy files and manifest.json in DIR; PyRef.Verify.check_vectors(DIR, checks...) "
        "checks a port against them from plain Julia with Test.",
    )
    vec.add_argument("components", nargs="+", metavar="COMPONENT", help="what to write, or 'all'")
    vec.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    vec.add_argument("--steps", type=positive_int_arg, default=DEFAULT_STEPS, help="steps per case")
    vec.add_argument("--seed", type=seed_arg, default=0, help="numpy's seed (default 0)")
    vec.set_defaults(func=vectors_command)


def verify_command(args: argparse.Namespace) -> int:
    from pyref.fileio import check_output_file, write_json
    from pyref.runtime.interface import JuliaBridgeError
    from pyref.verify import report
    from pyref.verify.runner import VerifyUsageError, verify

    try:
        if args.json:
            check_output_file(args.json, "--json")
    except ValueError as err:
        return error("verify", err)
    progress = sys.stderr.isatty()

    def on_result(result):
        if progress:
            print(f"  {result.label}: {result.verdict.verdict}", file=sys.stderr)

    try:
        results = verify(
            args.files,
            steps=args.steps,
            seed=args.seed,
            only=args.only,
            on_result=on_result,
            timeout=args.timeout,
        )
    except (VerifyUsageError, ValueError, JuliaBridgeError) as err:
        return error("verify", err)
    print(report.text(results))
    if args.json:
        try:
            path = write_json(args.json, report.to_json(results, seed=args.seed, steps=args.steps))
        except OSError as err:
            return error("verify", f"could not write the report: {err}")
        print(f"wrote {path}")
    return 0 if all(r.verdict.verdict == "exact" for r in results) else 1


def vectors_command(args: argparse.Namespace) -> int:
    from pyref.fileio import check_output_dir
    from pyref.verify.vectors import parse_components, write_vectors

    try:
        check_output_dir(args.out, "--out")
        specs = parse_components(args.components)
        manifest = write_vectors(specs, args.out, steps=args.steps, seed=args.seed)
    except (ValueError, OSError) as err:
        return error("vectors", err)
    print(f"wrote {len(specs)} case(s) to {manifest}")
    return 0
