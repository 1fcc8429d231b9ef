"""`pyref parity`: the scenario suite in Python and in Julia, outputs compared."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pyref.cli.args import error, kept_log_message


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `parity` subcommand."""
    par = sub.add_parser(
        "parity",
        help="run the scenario suite in Python and in Julia and compare the outputs",
        description="Run every parity scenario through pyref (Python) and PyRef (Julia) with "
        "the same seeds and compare their outputs: exit status 0 when all agree within "
        "their tiers, 1 when one does not, 2 when the suite could not run (one line "
        "'pyref parity: error: ...'), 130 when interrupted (143: by SIGTERM).",
    )
    par.add_argument("--quick", action="store_true", help="only the quick scenarios (seconds)")
    par.add_argument(
        "--scenario",
        nargs="+",
        default=[],
        metavar="NAME",
        help="run only these scenarios: names or globs such as 'optimizer-*' (quote "
        "them from the shell; see --list)",
    )
    par.add_argument("--list", action="store_true", help="list the scenarios and exit")
    par.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    par.add_argument(
        "--plot",
        metavar="DIR",
        help="draw the per-iteration divergence of the training scenarios into DIR",
    )
    par.add_argument(
        "--load",
        action="append",
        default=[],
        metavar="FILE.py|MODULE",
        help="load scenarios registered by a Python file or module (repeatable) and "
        "run only those (add --with-builtin for the built-in suite too). "
        "This imports it, so its code runs with your rights, even with --list: "
        "load only files you trust",
    )
    par.add_argument(
        "--with-builtin",
        action="store_true",
        help="with --load: choose among the built-in scenarios as well as the loaded ones",
    )
    par.add_argument(
        "--all",
        action="store_true",
        help="a row for every output (default: one per scenario, or every output "
        "of the scenarios named with --scenario)",
    )
    par.add_argument(
        "--full", action="store_true", help="add the book's experiments at full length (minutes)"
    )
    par.add_argument(
        "--blas",
        choices=("numpy", "native"),
        default=None,
        help="Julia's matrix products: numpy's OpenBLAS, every output exact "
        "(default, from $PYREF_JULIA_BLAS), or Julia's own BLAS, outputs within "
        "their declared tiers",
    )
    par.add_argument(
        "--bridge",
        choices=("exe", "juliacall"),
        default=None,
        help="force a bridge (default: $PYREF_JULIA_BRIDGE, else automatic)",
    )
    par.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from pyref import parity
    from pyref.fileio import check_output_dir, check_output_file
    from pyref.parity.registry import UnknownScenarioError
    from pyref.runtime import numpyblas
    from pyref.runtime.numpyblas import NumpyBlasError
    from pyref.runtime.session import JuliaBridgeError, session

    if args.with_builtin and not args.load:
        return error(
            "parity",
            "--with-builtin adds the built-in scenarios to those --load registers: "
            "give --load FILE too",
        )
    try:
        loaded = {sc.name: sc for source in args.load for sc in parity.load_scenarios(source)}
        among = list(loaded.values()) if args.load and not args.with_builtin else None
        try:
            chosen = parity.select(args.scenario, quick=args.quick, full=args.full, among=among)
        except UnknownScenarioError as err:
            if among is None:
                raise
            raise UnknownScenarioError(
                f"{err}; only the scenarios --load registered are chosen from "
                "(add --with-builtin for the built-in ones)"
            ) from None
        if not chosen and not args.list:
            raise ValueError(
                "no scenario to run: none is chosen by these options (--list shows "
                "the scenarios; the full-length ones run only with --full)"
            )
        if not args.list:  # before any work: where the report and plots go
            if args.json:
                check_output_file(args.json, "--json")
            if args.plot:
                check_output_dir(args.plot, "--plot")
    except (ValueError, ImportError, OSError) as err:  # OutputPathError is a ValueError
        return error("parity", err)
    if args.list:
        width = max(len(sc.name) for sc in [*chosen, parity.Scenario("scenario", dict, "x")])
        print(f"{'scenario':<{width}}  {'section':<7} {'runs':<5}  description")
        for sc in chosen:
            runs = "quick" if sc.quick else "full" if sc.full else "long"
            print(f"{sc.name:<{width}}  {sc.section or '-':<7} {runs:<5}  {sc.description}")
        print(
            f"\n{len(chosen)} scenario(s); runs: quick (in --quick), long (the default run), "
            "full (only with --full)"
        )
        return 0
    started = time.perf_counter()
    try:
        julia = session(args.bridge)
    except (JuliaBridgeError, ValueError) as err:
        return error("parity", err)
    ready = time.perf_counter() - started
    try:
        matmul = parity.use_blas(julia, args.blas or numpyblas.wanted_mode())
    except (NumpyBlasError, ValueError) as err:
        return error("parity", err)
    info = parity.environment_info(julia, matmul)
    print(parity.format_info(info))
    print(f"Julia ready in {ready:.1f} s; {len(chosen)} scenario(s)\n")
    try:
        results = parity.run_suite(chosen, julia, progress=sys.stderr.isatty())
    except JuliaBridgeError as err:  # the worker's log kept beside the report, if asked for one
        folder = args.plot or (str(Path(args.json).parent) if args.json else None)
        return error("parity", kept_log_message(err, folder, "parity-julia-worker.log"))
    elapsed = time.perf_counter() - started
    # Every output's row when asked (--all) or when the scenarios were named; else one per scenario.
    print(parity.format_table(results, outputs=args.all or bool(args.scenario)))
    print(f"wall time {elapsed:.1f} s (Julia start-up {ready:.1f} s)")
    info = {**info, "wall_seconds": round(elapsed, 2), "julia_startup_seconds": round(ready, 2)}
    try:
        if args.json:
            from pyref.fileio import write_json

            print(f"wrote {write_json(args.json, parity.report(results, info))}")
        if args.plot:
            for path in parity.plot_divergence(results, args.plot):
                print(f"wrote {path}")
    except OSError as err:  # the folder went away or filled up during the run
        return error("parity", f"could not write the report: {err}")
    return 0 if all(r.passed for r in results) else 1
