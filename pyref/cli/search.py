"""`pyref search` and `pyref search worker`: the random search of 6.5.3 at scale
(pyref.study), parallel and resumable in a database."""

from __future__ import annotations

import argparse
import sys

from pyref import interrupt
from pyref.cli.args import error, hidden_arg, positive_int_arg, seconds_arg, seed_arg


def at_most(limit: int):
    """The argument type of a positive integer up to ``limit`` (a study's limits,
    pyref.study.config): checked before anything is stored."""

    def parse(text: str) -> int:
        value = positive_int_arg(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"must be at most {limit:,}, got {value:,}")
        return value

    return parse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `search` subcommand and its `worker` subcommand."""
    from pyref.datasets import SOURCES
    from pyref.study import config as S

    p = sub.add_parser(
        "search",
        help="random hyperparameter search (6.5.3) at scale: parallel, resumable, in a database",
        description="The book's random search over lr and weight decay, kept in a database "
        "(SQLite by default, or PostgreSQL) so that several workers, on one machine or many, "
        "share it and running the same command again resumes it. Exit status 0 when every "
        "trial is finished, 1 when some are left (run again to resume), 2 on an error (one "
        "line 'pyref search: error: ...'), 130 when interrupted, 143 on SIGTERM (the "
        "finished trials are written first).",
    )
    p.add_argument(
        "--trials",
        type=at_most(S.MAX_TRIALS),
        default=S.SEARCH_TRIALS,
        help=f"number of trials (default {S.SEARCH_TRIALS}, the book's; at most {S.MAX_TRIALS:,})",
    )
    p.add_argument(
        "--epochs",
        type=at_most(S.MAX_EPOCHS),
        default=S.SEARCH_EPOCHS,
        help=f"epochs per trial (default {S.SEARCH_EPOCHS}; at most {S.MAX_EPOCHS:,})",
    )
    p.add_argument(
        "--train-size",
        type=at_most(S.MAX_TRAIN_SIZE),
        default=S.SEARCH_TRAIN_SAMPLES,
        help="training samples, 20%% of them split off for validation "
        f"(default {S.SEARCH_TRAIN_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        type=seed_arg,
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
        type=at_most(S.MAX_WORKERS),
        default=1,
        help=f"local worker processes, one BLAS thread each (default 1; at most {S.MAX_WORKERS})",
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
        type=hidden_arg,
        default=S.SEARCH_HIDDEN,
        help="hidden layer sizes, e.g. 50,50 (default the book's six of 100)",
    )
    p.add_argument(
        "--heartbeat",
        type=seconds_arg,
        default=S.HEARTBEAT_INTERVAL,
        help=f"seconds between a running trial's heartbeats (default {S.HEARTBEAT_INTERVAL:g})",
    )
    p.add_argument(
        "--grace",
        type=seconds_arg,
        default=S.GRACE_PERIOD,
        help=f"seconds without a heartbeat before a trial is retried (default {S.GRACE_PERIOD:g})",
    )
    p.add_argument(
        "--connect-timeout",
        type=seconds_arg,
        default=S.CONNECT_TIMEOUT,
        help=f"seconds to wait for the database server (default {S.CONNECT_TIMEOUT:g})",
    )
    p.add_argument(
        "--space",
        default=None,
        help="the search space: items name=low:high, name=low:high:log or name=a|b|c "
        "separated by commas (e.g. 'lr=1e-4:1e-1:log,optimizer=sgd|adam,hidden_layers=2:6'), "
        "or a .toml file (one table per parameter); parameters: lr, weight_decay, dropout_ratio, hidden_size, "
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
    p.set_defaults(func=command, search_command=None)
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
    w.add_argument(
        "--storage",
        required=True,
        help="SQLAlchemy URL of the study's database (password in PGPASSWORD or "
        "~/.pgpass, not in the URL)",
    )
    w.add_argument(
        "--study",
        default=S.DEFAULT_STUDY,
        help=f"study name in the database (default {S.DEFAULT_STUDY})",
    )
    for name, default, what in (
        ("--heartbeat", S.HEARTBEAT_INTERVAL, "between heartbeats"),
        ("--grace", S.GRACE_PERIOD, "without a heartbeat before a retry"),
        ("--connect-timeout", S.CONNECT_TIMEOUT, "to wait for the database server"),
    ):
        w.add_argument(
            name, type=seconds_arg, default=default, help=f"seconds {what} (default {default:g})"
        )
    w.add_argument("--no-progress", action="store_true", help="no progress bar")
    w.set_defaults(func=command, search_command="worker")


def command(args: argparse.Namespace) -> int:
    try:
        from pyref.study.config import SearchConfig
        from pyref.study.errors import SearchError
        from pyref.study.run import join_study, run_search
    except ImportError as err:
        return error(
            "search",
            f"{err}; install the search extra (pip install -e '.[search]' in the pyref folder)",
        )
    if getattr(args, "search_command", None) == "worker":
        try:
            return join_study(
                args.storage,
                args.study,
                heartbeat=args.heartbeat,
                grace=args.grace,
                connect_timeout=args.connect_timeout,
                progress=not args.no_progress,
            )
        except (SearchError, OSError) as err:
            return error("search worker", err)
        except KeyboardInterrupt as err:
            print(
                f"pyref search worker: {interrupt.describe(err)}; its trial was handed back",
                file=sys.stderr,
            )
            return interrupt.exit_code(err)
    from pyref.datasets import resolve_source

    try:
        data = resolve_source(args.data)  # --data, else $PYREF_DATA
    except ValueError as err:
        return error("search", err)
    from pyref.study.space import SpaceError, parse_space

    try:
        space = parse_space(args.space)
    except SpaceError as err:
        return error("search", err)
    try:
        learns = args.sampler != "random" or args.pruner != "none"
        config = SearchConfig(
            trials=args.trials,
            epochs=args.epochs,
            train_size=args.train_size,
            seed=args.seed,
            stream=args.stream or ("per-trial" if args.workers > 1 or learns else "textbook"),
            engine=args.engine,
            hidden=args.hidden,
            data=data,
            space=space,
            sampler=args.sampler,
            pruner=args.pruner,
        )
        return run_search(
            config,
            out=args.out,
            storage=args.storage,
            study=args.study,
            workers=args.workers,
            heartbeat=args.heartbeat,
            grace=args.grace,
            connect_timeout=args.connect_timeout,
            progress=not args.no_progress,
        )
    except (SearchError, OSError) as err:  # bad input, unusable database or --out
        return error("search", err)
    except KeyboardInterrupt as err:
        print(
            f"pyref search: {interrupt.describe(err)}; run the same command again to resume",
            file=sys.stderr,
        )
        return interrupt.exit_code(err)
