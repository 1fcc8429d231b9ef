"""`pyref run`: one of the book's experiments, in Python, in Julia or in both, with
the lines the book's script prints, the results as JSON and the figures."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from pyref.cli.args import error, kept_log_message, seed_arg

#: The settings some experiments take as options of their own (Experiment.options).
OPTIONS = ("gradient",)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `run` subcommand."""
    run = sub.add_parser(
        "run", help="run one of the book's experiments (chapters 3 to 7), or CS231n's"
    )
    run.add_argument("experiment", nargs="?", help="experiment name (see --list)")
    run.add_argument("--list", action="store_true", help="list the experiments")
    run.add_argument("--out", default="out", help="output directory (default: out/)")
    run.add_argument("--seed", type=seed_arg, default=None, help="seed numpy's global stream")
    run.add_argument(
        "--data",
        choices=("embedded", "mnist"),
        default=None,
        help="embedded MNIST subset (default) or the full MNIST",
    )
    run.add_argument(
        "--quick", action="store_true", help="shortened settings: seconds, not minutes"
    )
    run.add_argument(
        "--params",
        "--weights",
        metavar="FILE",
        default=None,
        help="trained parameters instead of training: SimpleConvNet's (.npz as "
        "train-convnet saves them, or the book's params.pkl) for visualize-filter and "
        "apply-filter, DeepConvNet's (train-deepnet's .npz, or the book's "
        "deep_convnet_params.pkl) for half-float and misclassified, 3.6's (the "
        "book's ch03/sample_weight.pkl) for neuralnet-mnist",
    )
    run.add_argument(
        "--gradient",
        metavar="METHOD",
        default=None,
        help="how train-two-layer-net takes the gradient: numerical or backprop (default)",
    )
    run.add_argument(
        "--engine",
        choices=("python", "julia", "both"),
        default="python",
        help="run the experiment in Python (pyref, default), in Julia (PyRef, "
        "through the bridge), or in both from the same seed: then each "
        "language's figure and one overlay of the two",
    )
    run.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from pyref.experiments.registry import EXPERIMENTS

    if args.list:
        width = max(len(name) for name in EXPERIMENTS)
        for name, exp in EXPERIMENTS.items():
            print(f"{name:<{width}}  {exp.section:<6} {exp.title}")
        return 0
    if args.experiment is None:
        return error("run", "name an experiment (pyref run --list shows them)")
    if args.experiment not in EXPERIMENTS:
        return error(
            "run", f"unknown experiment {args.experiment!r}; choose from {', '.join(EXPERIMENTS)}"
        )
    return _run_experiment(EXPERIMENTS[args.experiment], args)


def _run_experiment(exp, args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import pyref
    from pyref.datasets import MnistUnavailableError, load_mnist_with_info, resolve_source
    from pyref.experiments.registry import EXPERIMENTS
    from pyref.figures import labelled
    from pyref.fileio import (
        OutputPathError,
        check_output_dir,
        make_output_dir,
        save_figure,
        write_json,
    )
    from pyref.rng import make_rng

    kwargs = dict(exp.quick) if args.quick else {}
    if args.params is not None and exp.takes_weights:
        from pyref.simple_nets import init_network

        try:  # read by the restricted reader and checked before any work
            kwargs["params"] = init_network(args.params)
        except (OSError, ValueError, TypeError) as err:
            return error("run", f"--weights: {err}")
        print(f"weights: {args.params}")
    elif args.params is not None:
        if not exp.takes_params:
            takers = ", ".join(
                name for name, e in EXPERIMENTS.items() if e.takes_params or e.takes_weights
            )
            return error("run", f"{exp.name} takes no --params (only {takers} do)")
        from pyref.convnet import load_param_file

        shapes = exp.param_shapes() if exp.param_shapes is not None else None
        try:  # read and checked (names, dtypes, shapes, finite) before any work
            kwargs["params"] = load_param_file(args.params, shapes)
        except (OSError, ValueError, TypeError) as err:
            return error("run", f"--params: {err}")
        print(f"parameters: {args.params}")
    for option in OPTIONS:
        value = getattr(args, option)
        if value is None:
            continue
        if option not in exp.options:
            takers = ", ".join(name for name, e in EXPERIMENTS.items() if option in e.options)
            return error("run", f"{exp.name} takes no --{option} (only {takers} does)")
        if value not in exp.options[option]:
            return error(
                "run", f"--{option} must be one of {', '.join(exp.options[option])}, not {value!r}"
            )
        kwargs[option] = value
        if args.quick:
            kwargs.update(exp.options[option][value])
    data_description = None
    try:  # before any work: the output folder and the data source
        out = check_output_dir(args.out, "--out")
        source = resolve_source(args.data) if exp.needs_data else None
    except (OutputPathError, ValueError) as err:
        return error("run", err)
    if exp.needs_data:
        try:
            data, info = load_mnist_with_info(
                one_hot_label=exp.one_hot_label, flatten=not exp.images, source=source
            )
        except MnistUnavailableError as err:
            return error("run", err.for_command_line())
        data_description = info.description
        print(f"data: {info.description}")
        kwargs_args = (data,)
    else:
        kwargs_args = ()
    try:  # made, and proved writable, before the work
        make_output_dir(out, "--out")
    except OutputPathError as err:
        return error("run", err)
    engines = ("python", "julia") if args.engine == "both" else (args.engine,)
    if "julia" in engines and args.seed is None:
        args.seed = 0  # Julia draws from a stream of its own: it must be seeded
        print("seed: 0 (the Julia engine needs a seed; pass --seed N for another)")
    else:
        print(
            f"seed: {args.seed}"
            if args.seed is not None
            else "seed: none (pass --seed N to reproduce)"
        )
    make_rng(args.seed)
    settings = {k: v for k, v in kwargs.items() if k != "params"}
    results: dict[str, dict] = {}
    timings: dict[str, float] = {}
    julia_failed = None  # why Julia could not run it (--engine both: Python's results are kept)
    if "python" in engines:
        if exp.progress:
            kwargs["progress"] = True
        start = time.perf_counter()
        # Warnings (the overflow of batch-norm-test's largest weight scales, expected) are
        # kept until the progress bar is gone, then printed one line each.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            results["python"] = exp.run(*kwargs_args, **kwargs)
        timings["python"] = time.perf_counter() - start
        for w in caught:
            print(
                f"pyref run: warning: {w.category.__name__}: {w.message} "
                f"({Path(w.filename).name}:{w.lineno})",
                file=sys.stderr,
            )
    if "julia" in engines:
        from pyref.runtime.session import JuliaBridgeError, JuliaError

        start = time.perf_counter()
        try:
            results["julia"] = _run_in_julia(
                exp,
                args.seed,
                settings,
                kwargs_args[0] if kwargs_args else None,
                kwargs.get("params"),
                results.get("python"),
            )
        except (JuliaBridgeError, JuliaError) as err:
            why = kept_log_message(err, out, f"{exp.name}-julia-worker.log")
            julia_failed = f"--engine {args.engine}: Julia could not run {exp.name}: {why}"
            if "python" not in results:
                return error("run", julia_failed)
        else:
            timings["julia"] = time.perf_counter() - start
    for engine, result in results.items():
        _print_like_the_book(
            exp,
            result,
            header=(
                f"-- {'Python (pyref)' if engine == 'python' else 'Julia (PyRef)'}"
                if len(results) > 1
                else None
            ),
        )

    written = []
    trained = {engine: result.pop("params", None) for engine, result in results.items()}
    if args.params is not None and not exp.takes_weights:
        settings["params"] = str(args.params)
    if exp.takes_weights:  # the JSON says whose weights: the book's file, or none (trained)
        settings["weights"] = str(args.params) if args.params is not None else None
    try:
        for engine, result in results.items():
            suffix = "-julia" if engine == "julia" and len(results) > 1 else ""
            if trained[engine] is not None:  # the book's save_params("params.pkl"), as .npz
                from pyref.convnet import save_param_file

                written.append(
                    save_param_file(out / f"{exp.name}{suffix}-params.npz", trained[engine])
                )
                result["params_file"] = str(written[-1])
            record = {
                "experiment": exp.name,
                "section": exp.section,
                "title": exp.title,
                "engine": engine,
                "seed": args.seed,
                "quick": bool(args.quick),
                "data": data_description,
                "data_source": source,
                "pyref_version": pyref.__version__,
                "elapsed_seconds": round(timings[engine], 3),
                "settings": settings,
                "result": result,
            }
            written.append(write_json(out / f"{exp.name}{suffix}.json", record))
            figures = exp.figure(result, data=source)
            if len(results) > 1:
                language = "Python (pyref)" if engine == "python" else "Julia (PyRef)"
                figures = {k: labelled(f, language) for k, f in _as_dict(figures).items()}
            for fig_name, fig in _as_dict(figures).items():
                name = f"{exp.name}{suffix}" + (f"-{fig_name}" if fig_name else "")
                written.append(save_figure(fig, out / f"{name}.png"))
        if len(results) > 1:
            overlay = exp.overlay(results["python"], results["julia"], data=source)
            written.append(save_figure(overlay, out / f"{exp.name}-overlay.png"))
    except OSError as err:  # the folder went away or filled up during the run
        return error("run", f"could not write to {out}: {err}")
    for path in written:
        print(f"wrote {path}")
    if julia_failed is not None:  # --engine both: Python's results are written, then the error
        return error("run", f"{julia_failed} (the Python results are written in {out})")
    done = ", ".join(f"{engine} {t:.1f} s" for engine, t in timings.items())
    print(f"{exp.name}: done ({done})")
    return 0


def _as_dict(figures: object) -> dict:
    """A figure function's figures as name -> figure (one figure: the name "")."""
    return dict(figures) if isinstance(figures, dict) else {"": figures}


def _run_in_julia(exp, seed: int, settings: dict, data, params, reference) -> dict:
    """Experiment ``exp`` run by PyRef, the Julia twin, through the bridge, from the same
    seed, settings and data as the Python run (``reference``: Python's result, whose key
    order the Julia result takes, so that figures draw both alike)."""
    from pyref.runtime import ordered_like, session

    print(f"julia: running {exp.name} in PyRef (no progress bar; Julia starts first)", flush=True)
    jl = session()
    call = dict(
        name=exp.name,
        seed=seed,
        settings={k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
    )
    if data is not None:
        (x_train, t_train), (x_test, t_test) = data
        call.update(x_train=x_train, t_train=t_train, x_test=x_test, t_test=t_test)
    if params is not None:
        call["params"] = dict(params)
    result = jl.call("PyRef.Scenarios.experiment", **call)
    return ordered_like(reference, result) if reference is not None else result


def _print_like_the_book(exp, result: dict, header: str | None = None) -> None:
    """The lines the book's script prints at its end (after ``header``, if any)."""
    if exp.book_lines is None:
        return
    if header is not None:
        print(header)
    for line in exp.book_lines(result):
        print(line)
