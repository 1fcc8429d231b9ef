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
import time
import warnings
from pathlib import Path


def _error(command: str, message: object) -> int:
    """Print the one-line error of `pyref <command>` and return its exit code, 2."""
    print(f"pyref {command}: error: {message}", file=sys.stderr)
    return 2


def _seed_arg(text: str) -> int:
    from pyref.rng import check_seed

    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be an integer, got {text!r}") from None
    try:
        return check_seed("--seed", seed)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _positive_int_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _hidden_arg(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 100,100,100, got {text!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {text!r}")
    return sizes


def _cmd_run(args: argparse.Namespace) -> int:
    from pyref.experiments import EXPERIMENTS

    if args.list:
        width = max(len(name) for name in EXPERIMENTS)
        for name, exp in EXPERIMENTS.items():
            print(f"{name:<{width}}  {exp.section:<6} {exp.title}")
        return 0
    if args.experiment is None:
        return _error("run", "name an experiment (pyref run --list shows them)")
    if args.experiment not in EXPERIMENTS:
        return _error("run", f"unknown experiment {args.experiment!r}; choose from "
                             f"{', '.join(EXPERIMENTS)}")  # fmt: skip
    return _run_experiment(EXPERIMENTS[args.experiment], args)


def _run_experiment(exp, args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import pyref
    from pyref.datasets import MnistUnavailableError, load_mnist_with_info, resolve_source
    from pyref.experiments import EXPERIMENTS
    from pyref.figures import FIGURES, OVERLAYS, labelled
    from pyref.io import OutputPathError, check_output_dir, save_figure, write_json
    from pyref.rng import make_rng

    kwargs = dict(exp.quick) if args.quick else {}
    if args.params is not None:
        if not exp.takes_params:
            takers = ", ".join(name for name, e in EXPERIMENTS.items() if e.takes_params)
            return _error("run", f"{exp.name} takes no --params (only {takers} do)")
        from pyref.convnet import load_param_file

        try:
            kwargs["params"] = load_param_file(args.params)
        except (OSError, ValueError) as err:
            return _error("run", f"--params: {err}")
        print(f"parameters: {args.params}")
    data_description = None
    try:  # before any work: the output folder and the data source
        out = check_output_dir(args.out, "--out")
        source = resolve_source(args.data) if exp.needs_data else None
    except (OutputPathError, ValueError) as err:
        return _error("run", err)
    if exp.needs_data:
        try:
            data, info = load_mnist_with_info(
                one_hot_label=exp.one_hot_label, flatten=not exp.images, source=source
            )
        except MnistUnavailableError as err:
            return _error("run", err.for_command_line())
        data_description = info.description
        print(f"data: {info.description}")
        kwargs_args = (data,)
    else:
        kwargs_args = ()
    engines = ("python", "julia") if args.engine == "both" else (args.engine,)
    if "julia" in engines and args.seed is None:
        args.seed = 0  # Julia draws from a stream of its own: it must be seeded
        print("seed: 0 (the Julia engine needs a seed; pass --seed N for another)")
    else:
        print(f"seed: {args.seed}" if args.seed is not None
              else "seed: none (pass --seed N to reproduce)")  # fmt: skip
    make_rng(args.seed)
    settings = {k: v for k, v in kwargs.items() if k != "params"}
    results: dict[str, dict] = {}
    timings: dict[str, float] = {}
    if "python" in engines:
        if exp.progress:
            kwargs["progress"] = True
        start = time.perf_counter()
        # Warnings (the overflow of batch-norm-test's largest weight scales, expected) are
        # kept until the progress bar is gone, then printed one line each.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            results["python"] = exp.func(*kwargs_args, **kwargs)
        timings["python"] = time.perf_counter() - start
        for w in caught:
            print(f"pyref run: warning: {w.category.__name__}: {w.message} "
                  f"({Path(w.filename).name}:{w.lineno})", file=sys.stderr)  # fmt: skip
    if "julia" in engines:
        from pyref.runtime.session import JuliaBridgeError, JuliaError

        start = time.perf_counter()
        try:
            results["julia"] = _run_in_julia(exp, args.seed, settings,
                                             kwargs_args[0] if kwargs_args else None,
                                             kwargs.get("params"), results.get("python"))  # fmt: skip
        except (JuliaBridgeError, JuliaError) as err:
            return _error("run", f"--engine {args.engine}: Julia could not run {exp.name}: {err}")
        timings["julia"] = time.perf_counter() - start
    for engine, result in results.items():
        _print_like_the_book(exp.name, result,
                             header=(f"-- {'Python (pyref)' if engine == 'python' else 'Julia (PyRef)'}"
                                     if len(results) > 1 else None))  # fmt: skip

    written = []
    trained = {engine: result.pop("params", None) for engine, result in results.items()}
    if args.params is not None:
        settings["params"] = str(args.params)
    try:
        for engine, result in results.items():
            suffix = "-julia" if engine == "julia" and len(results) > 1 else ""
            if trained[engine] is not None:  # the book's save_params("params.pkl"), as .npz
                from pyref.convnet import save_param_file

                written.append(save_param_file(out / f"{exp.name}{suffix}-params.npz",
                                               trained[engine]))  # fmt: skip
                result["params_file"] = str(written[-1])
            record = {
                "experiment": exp.name, "section": exp.section, "title": exp.title,
                "engine": engine, "seed": args.seed, "quick": bool(args.quick),
                "data": data_description, "data_source": source,
                "pyref_version": pyref.__version__,
                "elapsed_seconds": round(timings[engine], 3), "settings": settings,
                "result": result,
            }  # fmt: skip
            written.append(write_json(out / f"{exp.name}{suffix}.json", record))
            figures = FIGURES[exp.name](result, data=source)
            if len(results) > 1:
                language = "Python (pyref)" if engine == "python" else "Julia (PyRef)"
                figures = {k: labelled(f, language) for k, f in _as_dict(figures).items()}
            for fig_name, fig in _as_dict(figures).items():
                name = f"{exp.name}{suffix}" + (f"-{fig_name}" if fig_name else "")
                written.append(save_figure(fig, out / f"{name}.png"))
        if len(results) > 1:
            overlay = OVERLAYS[exp.name](results["python"], results["julia"], data=source)
            written.append(save_figure(overlay, out / f"{exp.name}-overlay.png"))
    except OSError as err:  # the folder went away or filled up during the run
        return _error("run", f"could not write to {out}: {err}")
    for path in written:
        print(f"wrote {path}")
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

    print(f"julia: running {exp.name} in PyRef (no progress bar; Julia starts first)",
          flush=True)  # fmt: skip
    jl = session()
    call = dict(name=exp.name, seed=seed,
                settings={k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()})  # fmt: skip
    if data is not None:
        (x_train, t_train), (x_test, t_test) = data
        call.update(x_train=x_train, t_train=t_train, x_test=x_test, t_test=t_test)
    if params is not None:
        call["params"] = dict(params)
    ch7 = exp.func.__module__ == "pyref.convnet_experiments"
    function = "convnet_experiment" if ch7 else "experiment"
    result = jl.call(f"PyRef.Scenarios.{function}", **call)
    return ordered_like(reference, result) if reference is not None else result


def _print_like_the_book(name: str, result: dict, header: str | None = None) -> None:
    """The lines the book's scripts print at their end (after ``header``, if any)."""
    if header is not None and name in BOOK_PRINTS:
        print(header)
    if name == "batch-norm-gradient-check":
        for key, diff in result["diff"].items():
            print(f"{key}:{diff}")
        if result.get("samples") == 1:
            print("(a batch of one image, as the book's script: each Batch Normalization layer "
                  "then outputs its beta whatever it receives, so most gradients are exactly 0 "
                  "in both methods and the check says little; the 6.3 notebook checks ten)")  # fmt: skip
    elif name == "convnet-gradient-check":
        for key, diff in result["diff"].items():
            print(key, diff)
    elif name == "train-convnet":
        print("=============== Final Test Accuracy ===============")
        print(f"test acc:{result['final_test_acc']}")
    elif name == "hyperparameter-optimization":
        from pyref.search import Trial, format_best

        trials = [Trial(t["number"], t["lr"], t["weight_decay"], t["val_acc_list"],
                        t["train_acc_list"]) for t in result["trials"]]  # fmt: skip
        print(format_best(trials))


#: The experiments whose book scripts print a result at their end.
BOOK_PRINTS = (
    "batch-norm-gradient-check",
    "convnet-gradient-check",
    "train-convnet",
    "hyperparameter-optimization",
)


def _cmd_search(args: argparse.Namespace) -> int:
    try:
        from pyref import study
    except ImportError as err:
        return _error("search", f"{err}; install the search extra "
                                "(pip install -e '.[search]' in the pyref folder)")  # fmt: skip
    if getattr(args, "search_command", None) == "worker":
        try:
            return study.join_study(
                args.storage, args.study, heartbeat=args.heartbeat, grace=args.grace,
                connect_timeout=args.connect_timeout, progress=not args.no_progress,
            )  # fmt: skip
        except (study.SearchError, OSError) as err:
            return _error("search worker", err)
        except KeyboardInterrupt:
            print("pyref search worker: interrupted; its trial was handed back", file=sys.stderr)
            return 130
    from pyref.datasets import resolve_source

    try:
        data = resolve_source(args.data)  # --data, else $PYREF_DATA
    except ValueError as err:
        return _error("search", err)
    from pyref.search_space import SpaceError, parse_space

    try:
        space = parse_space(args.space)
    except SpaceError as err:
        return _error("search", err)
    try:
        learns = args.sampler != "random" or args.pruner != "none"
        config = study.SearchConfig(
            trials=args.trials, epochs=args.epochs, train_size=args.train_size, seed=args.seed,
            stream=args.stream or ("per-trial" if args.workers > 1 or learns else "textbook"),
            engine=args.engine, hidden=args.hidden, data=data, space=space,
            sampler=args.sampler, pruner=args.pruner,
        )  # fmt: skip
        return study.run_search(
            config, out=args.out, storage=args.storage, study=args.study, workers=args.workers,
            heartbeat=args.heartbeat, grace=args.grace, connect_timeout=args.connect_timeout,
            progress=not args.no_progress,
        )  # fmt: skip
    except (study.SearchError, OSError) as err:  # bad input, unusable database or --out
        return _error("search", err)
    except KeyboardInterrupt:
        print("pyref search: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _add_search_parser(sub: argparse._SubParsersAction) -> None:
    from pyref import search as S
    from pyref.datasets import SOURCES

    p = sub.add_parser(
        "search",
        help="random hyperparameter search (6.5.3) at scale: parallel, resumable, in a database",
        description="The book's random search over lr and weight decay, kept in a database "
        "(SQLite by default, or PostgreSQL) so that several workers, on one machine or many, "
        "share it and running the same command again resumes it. Exit status 0 when every "
        "trial is finished, 1 when some are left (run again to resume), 2 on an error (one "
        "line 'pyref search: error: ...'), 130 when interrupted (the finished trials are "
        "written first).",
    )
    p.add_argument(
        "--trials",
        type=_positive_int_arg,
        default=S.SEARCH_TRIALS,
        help=f"number of trials (default {S.SEARCH_TRIALS}, the book's)",
    )
    p.add_argument(
        "--epochs",
        type=_positive_int_arg,
        default=S.SEARCH_EPOCHS,
        help=f"epochs per trial (default {S.SEARCH_EPOCHS})",
    )
    p.add_argument(
        "--train-size",
        type=_positive_int_arg,
        default=S.SEARCH_TRAIN_SAMPLES,
        help="training samples, 20%% of them split off for validation "
        f"(default {S.SEARCH_TRAIN_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        type=_seed_arg,
        default=S.DEFAULT_SEED,
        help=f"the study's seed (default {S.DEFAULT_SEED})",
    )
    p.add_argument(
        "--stream",
        choices=S.STREAMS,
        default=None,
        help="textbook: the book's single stream, one worker; per-trial: each "
        "trial its own stream, any number of workers (default: textbook with one "
        "worker, per-trial with more)",
    )
    p.add_argument(
        "--engine",
        choices=S.ENGINES,
        default=S.ENGINES[0],
        help="train in Python (numpy) or in PyRef (Julia); default python",
    )
    p.add_argument(
        "--workers",
        type=_positive_int_arg,
        default=1,
        help="local worker processes, one BLAS thread each (default 1)",
    )
    p.add_argument(
        "--storage",
        default=None,
        help="SQLAlchemy URL of the study's database (default: SQLite file "
        "search.db in --out), e.g. postgresql://user@host:5432/db with the password in "
        "PGPASSWORD or ~/.pgpass (never in the URL: command lines are visible to all users)",
    )
    p.add_argument(
        "--study",
        default=S.DEFAULT_STUDY,
        help=f"study name in the database (default {S.DEFAULT_STUDY})",
    )
    p.add_argument("--out", default=S.DEFAULT_OUT, help=f"output folder (default {S.DEFAULT_OUT})")
    p.add_argument(
        "--data",
        choices=SOURCES,
        default=None,
        help="embedded MNIST subset (default) or the full MNIST",
    )
    p.add_argument(
        "--hidden",
        type=_hidden_arg,
        default=S.SEARCH_HIDDEN,
        help="hidden layer sizes, e.g. 50,50 (default the book's six of 100)",
    )
    p.add_argument(
        "--heartbeat",
        type=_seconds_arg,
        default=S.HEARTBEAT_INTERVAL,
        help=f"seconds between a running trial's heartbeats (default {S.HEARTBEAT_INTERVAL:g})",
    )
    p.add_argument(
        "--grace",
        type=_seconds_arg,
        default=S.GRACE_PERIOD,
        help=f"seconds without a heartbeat before a trial is retried (default {S.GRACE_PERIOD:g})",
    )
    p.add_argument(
        "--connect-timeout",
        type=_seconds_arg,
        default=S.CONNECT_TIMEOUT,
        help=f"seconds to wait for the database server (default {S.CONNECT_TIMEOUT:g})",
    )
    p.add_argument(
        "--space",
        default=None,
        help="the search space: items name=low:high, name=low:high:log or name=a|b|c "
        "separated by commas (e.g. 'lr=1e-4:1e-1:log,optimizer=sgd|adam,hidden_layers=2:6'), "
        "or a .toml file; parameters: lr, weight_decay, dropout_ratio, hidden_size, "
        "hidden_layers, batch_size, optimizer, use_batchnorm (default: the book's weight "
        "decay and lr)",
    )
    p.add_argument(
        "--sampler",
        choices=S.SAMPLERS,
        default=S.SAMPLERS[0],
        help="random: each trial's point from its stream (the book's draws); tpe: Optuna's "
        "TPE, learning from finished trials; qmc: a scrambled Sobol sequence (default random)",
    )
    p.add_argument(
        "--pruner",
        choices=S.PRUNERS,
        default=S.PRUNERS[0],
        help="stop hopeless trials early, judging each epoch's validation accuracy: Optuna's "
        "median or hyperband pruner (default none)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_search, search_command=None)  # fmt: skip
    wsub = p.add_subparsers(dest="search_command", metavar="{worker}")
    w = wsub.add_parser(
        "worker",
        help="join an existing study from this machine",
        description="Join an existing study as one more worker, from any machine that "
        "reaches its database: the study's settings are read from the database; the worker "
        "claims trials until none is left and writes no outputs (run the study's own "
        "command again to write them). Exit status 0 when the study has no trial left, 1 "
        "when some are left, 2 on an error.",
    )
    w.add_argument("--storage", required=True,
                   help="SQLAlchemy URL of the study's database (password in PGPASSWORD or "
                        "~/.pgpass, not in the URL)")  # fmt: skip
    w.add_argument("--study", default=S.DEFAULT_STUDY,
                   help=f"study name in the database (default {S.DEFAULT_STUDY})")  # fmt: skip
    for name, default, what in (("--heartbeat", S.HEARTBEAT_INTERVAL, "between heartbeats"),
                                ("--grace", S.GRACE_PERIOD, "without a heartbeat before a retry"),
                                ("--connect-timeout", S.CONNECT_TIMEOUT,
                                 "to wait for the database server")):  # fmt: skip
        w.add_argument(name, type=_seconds_arg, default=default,
                       help=f"seconds {what} (default {default:g})")  # fmt: skip
    w.add_argument("--no-progress", action="store_true", help="no progress bar")
    w.set_defaults(func=_cmd_search, search_command="worker")


def _cmd_julia(args: argparse.Namespace) -> int:
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
        return _error("julia", err)
    raise AssertionError(args.julia_command)


def _cmd_parity(args: argparse.Namespace) -> int:
    from pyref import parity
    from pyref.io import check_output_dir, check_output_file
    from pyref.runtime import numpyblas
    from pyref.runtime.numpyblas import NumpyBlasError
    from pyref.runtime.session import JuliaBridgeError, session

    try:
        for source in args.load:
            parity.load_scenarios(source)
        chosen = parity.select(args.scenario, quick=args.quick, full=args.full)
        if not args.list:  # before any work: where the report and plots go
            if args.json:
                check_output_file(args.json, "--json")
            if args.plot:
                check_output_dir(args.plot, "--plot")
    except (ValueError, ImportError, OSError) as err:  # OutputPathError is a ValueError
        return _error("parity", err)
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
        return _error("parity", err)
    ready = time.perf_counter() - started
    try:
        matmul = parity.use_blas(julia, args.blas or numpyblas.wanted_mode())
    except (NumpyBlasError, ValueError) as err:
        return _error("parity", err)
    info = parity.environment_info(julia, matmul)
    print(parity.format_info(info))
    print(f"Julia ready in {ready:.1f} s; {len(chosen)} scenario(s)\n")
    try:
        results = parity.run_suite(chosen, julia, progress=sys.stderr.isatty())
    except JuliaBridgeError as err:
        return _error("parity", err)
    elapsed = time.perf_counter() - started
    # Every output's row when asked (--all) or when the scenarios were named; else one per scenario.
    print(parity.format_table(results, outputs=args.all or bool(args.scenario)))
    print(f"wall time {elapsed:.1f} s (Julia start-up {ready:.1f} s)")
    info = {**info, "wall_seconds": round(elapsed, 2), "julia_startup_seconds": round(ready, 2)}
    try:
        if args.json:
            from pyref.io import write_json

            print(f"wrote {write_json(args.json, parity.report(results, info))}")
        if args.plot:
            for path in parity.plot_divergence(results, args.plot):
                print(f"wrote {path}")
    except OSError as err:  # the folder went away or filled up during the run
        return _error("parity", f"could not write the report: {err}")
    return 0 if all(r.passed for r in results) else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    from pyref import bench
    from pyref.runtime.session import JuliaBridgeError

    try:
        record = bench.run(quick=args.quick, sections=tuple(args.only or bench.SECTIONS),
                           book=args.book, ttt={"seeds": args.ttt_seeds, "trials": args.ttt_trials,
                                                "epochs": args.ttt_epochs})  # fmt: skip
    except (JuliaBridgeError, RuntimeError) as err:
        return _error("bench", err)
    print(bench.format_table(record))
    if args.json:
        from pyref.io import write_json

        print(f"wrote {write_json(args.json, record)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `pyref` and all its subcommands."""
    parser = argparse.ArgumentParser(prog="pyref", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one of the book's ch06 or ch07 experiments")
    run.add_argument("experiment", nargs="?", help="experiment name (see --list)")
    run.add_argument("--list", action="store_true", help="list the experiments")
    run.add_argument("--out", default="out", help="output directory (default: out/)")
    run.add_argument("--seed", type=_seed_arg, default=None, help="seed numpy's global stream")
    run.add_argument("--data", choices=("embedded", "mnist"), default=None,
                     help="embedded MNIST subset (default) or the full MNIST")  # fmt: skip
    run.add_argument(
        "--quick", action="store_true", help="shortened settings: seconds, not minutes"
    )
    run.add_argument("--params", metavar="FILE.npz", default=None,
                     help="trained SimpleConvNet parameters (as train-convnet saves them) for "
                     "visualize-filter and apply-filter, instead of training")  # fmt: skip
    run.add_argument("--engine", choices=("python", "julia", "both"), default="python",
                     help="run the experiment in Python (pyref, default), in Julia (PyRef, "
                     "through the bridge), or in both from the same seed: then each "
                     "language's figure and one overlay of the two")  # fmt: skip
    run.set_defaults(func=_cmd_run)

    par = sub.add_parser(
        "parity",
        help="run the scenario suite in Python and in Julia and compare the outputs",
        description="Run every parity scenario through pyref (Python) and PyRef (Julia) with "
        "the same seeds and compare their outputs: exit status 0 when all agree within "
        "their tiers, 1 when one does not, 2 when the suite could not run (one line "
        "'pyref parity: error: ...'), 130 when interrupted.",
    )
    par.add_argument("--quick", action="store_true", help="only the quick scenarios (seconds)")
    par.add_argument("--scenario", nargs="+", default=[], metavar="NAME",
                     help="run only these scenarios (see --list)")  # fmt: skip
    par.add_argument("--list", action="store_true", help="list the scenarios and exit")
    par.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    par.add_argument("--plot", metavar="DIR",
                     help="draw the per-iteration divergence of the training scenarios into DIR")  # fmt: skip
    par.add_argument("--load", action="append", default=[], metavar="FILE.py|MODULE",
                     help="load scenarios registered by a Python file or module (repeatable). "
                     "This imports it, so its code runs with your rights, even with --list: "
                     "load only files you trust")  # fmt: skip
    par.add_argument("--all", action="store_true",
                     help="a row for every output (default: one per scenario, or every output "
                     "of the scenarios named with --scenario)")  # fmt: skip
    par.add_argument("--full", action="store_true",
                     help="add the book's experiments at full length (minutes)")  # fmt: skip
    par.add_argument("--blas", choices=("numpy", "native"), default=None,
                     help="Julia's matrix products: numpy's OpenBLAS, every output exact "
                     "(default, from $PYREF_JULIA_BLAS), or Julia's own BLAS, outputs within "
                     "their declared tiers")  # fmt: skip
    par.add_argument("--bridge", choices=("exe", "juliacall"), default=None,
                     help="force a bridge (default: $PYREF_JULIA_BRIDGE, else automatic)")  # fmt: skip
    par.set_defaults(func=_cmd_parity)

    ben = sub.add_parser(
        "bench",
        help="measure a training step, a search and a parity run against their limits",
        description="Time training steps (chapter 6's MLP, chapter 7's SimpleConvNet) in Python "
        "and Julia against each one's GEMM-only "
        "bound, search throughput, the parity run and peak memory; print a table.",
    )
    ben.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run")
    ben.add_argument("--only", nargs="+",
                     choices=("step", "convnet", "search", "search-ttt", "parity"),
                     help="measure only these sections (default: all but search-ttt, the "
                     "samplers' time to target, about 20 minutes)")  # fmt: skip
    ben.add_argument("--book", metavar="DIR", default=None,
                     help="also time the book's own SimpleConvNet step, from this checkout of "
                     "deep-learning-from-scratch (convnet section)")  # fmt: skip
    for name, what in (("seeds", "seeds (default 5; --quick 2)"),
                       ("trials", "trials per study (default 100; --quick 12)"),
                       ("epochs", "epochs per trial (default 50; --quick 6)")):  # fmt: skip
        ben.add_argument(f"--ttt-{name}", type=_positive_int_arg, default=None,
                         help=f"search-ttt section: {what}")  # fmt: skip
    ben.add_argument("--json", metavar="FILE", help="write every figure and detail as JSON")
    ben.set_defaults(func=_cmd_bench)
    _add_search_parser(sub)

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
    from pyref.memory import keep_freed_memory

    keep_freed_memory()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"pyref {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
