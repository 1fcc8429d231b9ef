"""``pyref search``: the random search of 6.5.3 as a study kept in a database, so
that several worker processes, on one machine or many, share its trials, and a
study that was interrupted (Ctrl-C, SIGKILL, a lost machine) resumes where it
stopped when the same command runs again, with the results of an uninterrupted run.

Random streams (``stream``)
    ``textbook``: the book's single stream. ``RandomState(seed)`` shuffles for the
    validation split, then each trial draws weight decay, lr, its initial weights
    and its minibatches from it, exactly as :func:`pyref.search.random_search`
    (and the book's hyperparameter_optimization.py after ``np.random.seed(seed)``)
    does. Trial i starts from the state trial i - 1 left, which is stored with
    each result: resumable, but sequential.

    ``per-trial``: the split still comes from ``RandomState(seed)``, but trial i
    draws from its own ``RandomState(trial_seed(seed, i))``, so its result does
    not depend on which worker runs it, or when: 1, 2 or 8 workers give identical
    studies.

Storage and claiming
    One database through SQLAlchemy: an SQLite file (``search.db`` in the output
    folder) by default, or any SQLAlchemy URL (``postgresql://user@host/db`` to
    spread workers over machines). It holds

    * pyref's tables, the authority: ``pyref_search_study`` (the settings) and
      ``pyref_search_unit``, one row per trial index with its state (waiting,
      running, complete, failed), the claiming worker, its token, a heartbeat
      time, a version and, when done, the result. A worker claims a trial with
      one compare-and-swap ``UPDATE ... WHERE version = <the version it read>``,
      atomic in SQLite (one writer at a time) and PostgreSQL (row lock, WHERE
      re-checked): exactly one worker wins. Heartbeats and results are written
      ``WHERE token = <own token>``, so a worker whose trial was taken over can
      never record it. (Optuna's own WAITING -> RUNNING switch is a read, then a
      write, which is not atomic on SQLite, and its retries get new trial
      numbers, which fixed per-trial streams cannot have.)
    * an Optuna study of the same name (Optuna's RDB schema), mirrored from the
      units for ``optuna-dashboard``: each trial index is one Optuna trial (created
      by its first attempt; a retried or resumed attempt takes it up again: WAITING
      while released, RUNNING again) with params ``lr`` and ``weight_decay``, value =
      final validation accuracy (maximize), user attributes ``index``, ``attempt``,
      ``worker``, the curves and ``fail_reason``.

Heartbeats and retries
    While a trial trains, a thread refreshes its heartbeat every ``heartbeat``
    seconds. A running trial whose heartbeat is older than ``grace`` seconds, or
    whose worker was a process on this machine that has ended, is claimed again;
    the retry re-draws the same stream, so it reproduces what the lost attempt
    would have given. A per-trial trial that lost ``MAX_ATTEMPTS`` workers is
    recorded as failed. Heartbeats compare the clocks of different machines: keep
    them in sync (NTP) well within ``grace``.

Engines
    ``python`` trains with pyref (:func:`pyref.search.run_trial`); ``julia`` with
    PyRef's ``search_trial`` (julia/src/search.jl) through the bridge
    ``pyref.runtime.session()``, drawing the same hyperparameters, weights and
    minibatches from the same stream.

Failed trials
    A trial whose training loss becomes NaN or inf is recorded as failed with the
    step and epoch (in textbook mode it still trains to its end, so that the
    stream advances as the book's). An exception in a per-trial trial is
    recorded as its failure; the study goes on. A Julia worker that dies during a
    trial is not the trial's failure but a lost worker: per-trial, the trial is
    retried (at most ``MAX_ATTEMPTS`` attempts); textbook, the command stops with a
    SearchError and the trial is handed back for the next run.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import optuna
import sqlalchemy as sa
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from pyref.datasets import SOURCES, describe_source
from pyref.memory import child_env
from pyref.rng import check_seed, rng_state, set_rng_state
from pyref.runtime.session import JuliaBridgeError, JuliaWorkerCrashed
from pyref.search import (
    BEST_N,
    CONNECT_TIMEOUT,
    DEFAULT_OUT,
    DEFAULT_SEED,
    DEFAULT_STUDY,
    ENGINES,
    GRACE_PERIOD,
    HEARTBEAT_INTERVAL,
    LR_LOG10_RANGE,
    PRUNERS,
    SAMPLERS,
    SEARCH_BATCH_SIZE,
    SEARCH_EPOCHS,
    SEARCH_HIDDEN,
    SEARCH_TRAIN_SAMPLES,
    SEARCH_TRIALS,
    SEARCH_VALIDATION_RATE,
    STREAMS,
    TRIAL_SEED_MULTIPLIER,
    WEIGHT_DECAY_LOG10_RANGE,
    Trial,
    divergence_reason,
    format_best,
    trial_seed,
)
from pyref.search_epochs import EpochTrial, make_trainer, train_epochs
from pyref.search_space import DEFAULT_SPACE, SearchSpace, SpaceError, trial_settings

#: Seconds SQLite waits for another process's write lock.
SQLITE_BUSY_TIMEOUT = 60.0
#: Lost workers a per-trial trial survives before it is recorded as failed.
MAX_ATTEMPTS = 3
#: Environment of local worker processes: one BLAS/OpenMP thread each.
ONE_THREAD_ENV = {
    name: "1"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS",
                 "JULIA_NUM_THREADS")
}  # fmt: skip
#: Set in the environment of local worker processes: the launcher's pid.
PARENT_ENV = "PYREF_SEARCH_PARENT"

_DONE = ("complete", "failed", "pruned")
#: Every state a trial (a unit) can be in.
UNIT_STATES = ("waiting", "running", "complete", "failed", "pruned")


class SearchError(Exception):
    """A problem the user can fix (bad setting, unreachable database, clashing study);
    its message is one line, printed without a traceback."""


class ClaimLost(Exception):
    """This worker's trial was taken over by another (its heartbeat had gone stale)."""


# -- settings and results -------------------------------------------------------


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise SearchError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _seconds(name: str, value: object) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0):
        raise SearchError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class SearchConfig:
    """What defines a study's results. All but ``trials`` must match when a study is
    resumed (trials may be added later: trial i does not depend on later ones)."""

    trials: int = SEARCH_TRIALS
    epochs: int = SEARCH_EPOCHS
    train_size: int = SEARCH_TRAIN_SAMPLES
    seed: int = DEFAULT_SEED
    stream: str = "textbook"
    engine: str = "python"
    hidden: tuple[int, ...] = SEARCH_HIDDEN
    data: str = "embedded"
    validation_rate: float = SEARCH_VALIDATION_RATE
    batch_size: int = SEARCH_BATCH_SIZE
    space: SearchSpace = DEFAULT_SPACE
    sampler: str = "random"
    pruner: str = "none"

    def __post_init__(self) -> None:
        for name in ("trials", "epochs", "train_size", "batch_size"):
            _positive_int(name, getattr(self, name))
        try:
            check_seed("seed", self.seed)
        except (TypeError, ValueError) as err:
            raise SearchError(str(err)) from None
        for name, value, choices in (("stream", self.stream, STREAMS),
                                     ("engine", self.engine, ENGINES),
                                     ("data", self.data, SOURCES),
                                     ("sampler", self.sampler, SAMPLERS),
                                     ("pruner", self.pruner, PRUNERS)):  # fmt: skip
            if value not in choices:
                raise SearchError(f"unknown {name} {value!r}; choose from {', '.join(choices)}")
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if not self.hidden:
            raise SearchError("hidden must name at least one layer size")
        for size in self.hidden:
            _positive_int("hidden layer size", size)
        if not isinstance(self.validation_rate, (int, float)) or not 0 < self.validation_rate < 1:
            raise SearchError(f"validation_rate must be in (0, 1), got {self.validation_rate}")

        if not isinstance(self.space, SearchSpace):
            raise SearchError(f"space must be a SearchSpace, not {type(self.space).__name__}")
        train = self.train_size - int(self.train_size * self.validation_rate)
        for p in self.space.params:
            if p.name != "batch_size":
                continue
            sizes = list(p.choices) if p.kind == "choice" else None
            if sizes is None or any(train % b for b in sizes):
                raise SearchError(
                    f"search parameter batch_size: give choices that divide the {train} training "
                    f"samples (e.g. batch_size={'|'.join(map(str, _divisors(train)[:4]))}): the "
                    "book's Trainer measures the accuracies once an epoch only when an epoch is "
                    "a whole number of steps"
                )

    def to_json(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {**d, "hidden": list(self.hidden), "space": self.space.to_json()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SearchConfig:
        """Settings stored by to_json; a study stored before spaces, samplers and pruners
        existed gets the book's space, random sampling and no pruning."""
        d = dict(d)
        if "space" in d:
            try:
                d["space"] = SearchSpace.from_json(d["space"])
            except SpaceError as err:
                raise SearchError(str(err)) from None
        return cls(**d)

    @property
    def learns(self) -> bool:
        """True when trials' points come from the sampler, not from their streams."""
        return self.sampler != "random"


def _divisors(n: int) -> list[int]:
    """Divisors of ``n`` from 10 up (batch sizes worth suggesting), else all of them."""
    found = [d for d in range(1, n + 1) if n % d == 0]
    return [d for d in found if d >= 10] or found


@dataclass
class TrialResult:
    """One finished trial: its hyperparameters, curves and state ('complete'/'failed');
    in textbook mode also the stream's state after it (not part of the outputs)."""

    number: int
    lr: float
    weight_decay: float
    seed: int | None
    state: str
    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    fail_reason: str | None = None
    rng_state: dict[str, Any] | None = None
    #: The trial's point in a search space other than the book's (None in the book's:
    #: lr and weight_decay say it all).
    params: dict[str, Any] | None = None

    @property
    def final_val_acc(self) -> float | None:
        return self.val_acc_list[-1] if self.val_acc_list else None

    @property
    def final_train_acc(self) -> float | None:
        return self.train_acc_list[-1] if self.train_acc_list else None

    def to_trial(self) -> Trial:
        """As pyref.search's Trial, for the book's ranking and listing."""
        return Trial(self.number, self.lr, self.weight_decay, list(self.val_acc_list),
                     list(self.train_acc_list), self.fail_reason)  # fmt: skip

    def to_record(self) -> dict[str, Any]:
        """One object of trials.json: results only (no stream state, no timings), so a
        resumed study writes the same bytes as an uninterrupted one."""
        return {"number": self.number, "state": self.state, "lr": self.lr,
                "weight_decay": self.weight_decay, "seed": self.seed,
                "val_acc_list": self.val_acc_list, "train_acc_list": self.train_acc_list,
                "final_val_acc": self.final_val_acc, "final_train_acc": self.final_train_acc,
                "fail_reason": self.fail_reason,
                **({} if self.params is None else {"params": self.params})}  # fmt: skip

    def dumps(self) -> str:
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def loads(cls, text: str) -> TrialResult:
        return cls(**json.loads(text))


def _rng_from_json(state: Any, what: str = "the stream state") -> np.random.RandomState:
    """The RandomState a stored state describes; SearchError naming ``what`` when the
    state is damaged (an edited database): not a Mersenne Twister state of 624 words."""
    try:
        return set_rng_state(np.random.RandomState(), state, what)
    except ValueError:
        raise SearchError(f"{what} is damaged (not a numpy RandomState state); was the "
                          "database edited? Run the study again in a new --out or --study") from None  # fmt: skip


# -- data and one trial -----------------------------------------------------------


@dataclass
class SearchData:
    """The validation split, which every worker computes identically from the seed."""

    x_train: np.ndarray
    t_train: np.ndarray
    x_val: np.ndarray
    t_val: np.ndarray
    rng_after_split: dict[str, Any]
    description: str


def prepare_data(config: SearchConfig) -> SearchData:
    """Load the data, keep the first ``train_size`` training samples and split off the
    validation set with ``RandomState(seed)`` (the book's shuffle, then 20 %)."""
    from pyref.datasets import MnistUnavailableError, load_mnist_with_info, split_validation

    try:
        ((x_all, t_all), _), info = load_mnist_with_info(normalize=True, source=config.data)
    except MnistUnavailableError as err:
        raise SearchError(err.for_command_line()) from None
    if config.train_size > x_all.shape[0]:
        raise SearchError(f"train size {config.train_size} is more than the {x_all.shape[0]} "
                          f"training samples of the {config.data} data")  # fmt: skip
    if int(config.train_size * config.validation_rate) == 0:
        raise SearchError(f"train size {config.train_size} leaves no validation samples")
    rng = np.random.RandomState(config.seed)
    (x_tr, t_tr), (x_val, t_val) = split_validation(
        x_all[: config.train_size], t_all[: config.train_size], config.validation_rate, rng=rng
    )
    return SearchData(x_tr, t_tr, x_val, t_val, rng_state(rng), info.description)


def _save_data(data: SearchData, path: Path) -> None:
    """Write the split (and the stream after it) for local workers, atomically."""
    from pyref.io import write_bytes

    buf = io.BytesIO()
    state = data.rng_after_split
    np.savez(buf, x_train=data.x_train, t_train=data.t_train, x_val=data.x_val, t_val=data.t_val,
             rng_key=np.asarray(state["key"], dtype=np.uint32),
             rng_rest=np.array([state["pos"], state["has_gauss"], state["cached_gaussian"]]))  # fmt: skip
    write_bytes(path, buf.getvalue())


def _load_data(path: str, description: str) -> SearchData:
    with np.load(path, allow_pickle=False) as z:
        pos, has_gauss, cached = z["rng_rest"].tolist()
        state = {"key": z["rng_key"].tolist(), "pos": int(pos), "has_gauss": int(has_gauss),
                 "cached_gaussian": cached}  # fmt: skip
        return SearchData(z["x_train"], z["t_train"], z["x_val"], z["t_val"], state, description)


def check_engine(engine: str, *, start: bool = False) -> None:
    """Raise SearchError unless ``engine`` can train trials here; ``start`` also starts
    the Julia session (a worker does so before its first trial, so that a broken
    Julia stops the worker instead of failing every trial)."""
    if engine not in ENGINES:
        raise SearchError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine == "python":
        return
    from pyref.runtime import session

    if start:
        try:
            session()
        except Exception as err:
            raise SearchError(
                f"--engine julia: could not start Julia: {_first_line(err)}"
            ) from None


def _train_julia(
    config: SearchConfig, data: SearchData, settings: dict[str, Any], rng: np.random.RandomState,
    *, stop_on_divergence: bool, on_epoch: Callable[[int, float, float], bool] | None,
    check: Callable[[], None] | None,
) -> EpochTrial:  # fmt: skip
    """A trial trained in PyRef (julia/src/search_epochs.jl) through the bridge, epoch by
    epoch: PyRef builds the net and Trainer from ``settings`` on ``rng``'s stream (the
    state after the trial's hyperparameters were drawn), each call trains up to the
    next accuracy measurement, and ``on_epoch`` (the pruner) decides between calls, so
    a pruned trial really stops. ``rng`` is moved to the state PyRef left. (Should
    the bridge hold the GIL during a call, this worker's heartbeat waits for it: one
    epoch must then take less than ``grace`` seconds.)"""
    from pyref.runtime import session

    julia = session()
    julia.use_blas()  # numpy's thread count now: the products' last bits depend on it
    handle = julia.call(
        "PyRef.search_epochs_start", data.x_train, data.t_train, data.x_val, data.t_val,
        epochs=config.epochs, hidden=np.asarray(settings["hidden"], dtype=np.int64),
        batch_size=settings["batch_size"], optimizer=settings["optimizer"], lr=settings["lr"],
        weight_decay=settings["weight_decay"], dropout_ratio=settings["dropout_ratio"],
        use_batchnorm=int(settings["use_batchnorm"]), stop_on_divergence=int(stop_on_divergence),
        rng_state=rng_state(rng),
    )  # fmt: skip
    result, seen = EpochTrial(), 0
    try:
        while True:
            step = julia.call("PyRef.search_epochs_next", handle)
            if check is not None:
                check()
            nonfinite = bool(step["nonfinite"])
            if nonfinite and stop_on_divergence:
                break
            if int(step["measured"]) > seen:
                seen = int(step["measured"])
                if (
                    on_epoch is not None
                    and not nonfinite
                    and on_epoch(seen, float(step["val_acc"]), float(step["train_acc"]))
                ):
                    result.pruned_at = seen
                    break
            if step["done"]:
                break
    except JuliaBridgeError:
        raise  # the Julia worker is gone, and the trial with it
    except BaseException:  # ClaimLost, Ctrl-C: let PyRef forget the trial, then go on
        with contextlib.suppress(Exception):
            julia.call("PyRef.search_epochs_finish", handle)
        raise
    out = julia.call("PyRef.search_epochs_finish", handle)
    set_rng_state(rng, out["rng_state"], "the stream state PyRef returned")
    iter_per_epoch = max(data.x_train.shape[0] / settings["batch_size"], 1)
    result.fail_reason = divergence_reason([float(v) for v in out["train_loss_list"]],
                                           iter_per_epoch)  # fmt: skip
    result.val_acc_list = [float(a) for a in out["val_acc_list"]]
    result.train_acc_list = [float(a) for a in out["train_acc_list"]]
    return result


def study_trial(
    config: SearchConfig,
    data: SearchData,
    index: int,
    rng: np.random.RandomState,
    *,
    point: dict[str, Any] | None = None,
    check: Callable[[], None] | None = None,
    on_start: Callable[[dict[str, Any]], None] | None = None,
    on_epoch: Callable[[int, float, float], bool] | None = None,
) -> TrialResult:
    """Trial ``index`` of the study, drawing from ``rng`` (the textbook stream where
    trial index - 1 left it, or the trial's own stream): its point in the space (drawn
    from ``rng`` parameter by parameter, unless the sampler gave ``point``), then the
    net's weights and minibatches, trained with the study's engine epoch by epoch;
    ``on_epoch`` (the pruner) may stop it, and it is then 'pruned'."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise SearchError(f"index must be an integer >= 0, got {index!r}")
    if not isinstance(rng, np.random.RandomState):
        raise TypeError(f"rng must be a numpy.random.RandomState, not {type(rng).__name__}")
    textbook = config.stream == "textbook"
    seed = None if textbook else trial_seed(config.seed, index)
    if point is None:
        point = config.space.draw(rng)
    settings = trial_settings(point, hidden=config.hidden, batch_size=config.batch_size)
    if on_start is not None:
        on_start(point)
    try:
        if config.engine == "julia":
            trial = _train_julia(config, data, settings, rng, stop_on_divergence=not textbook,
                                 on_epoch=on_epoch, check=check)  # fmt: skip
        else:
            trainer = make_trainer(settings, data.x_train, data.t_train, data.x_val, data.t_val,
                                   config.epochs, rng)  # fmt: skip
            trial = train_epochs(trainer, stop_on_divergence=not textbook, on_epoch=on_epoch,
                                 check=check)  # fmt: skip
    except ClaimLost:
        raise
    except JuliaBridgeError:
        raise  # the Julia worker died or could not start: not the trial's fault
    except Exception as err:
        if textbook:
            raise  # the stream cannot go on past it: stop here (a rerun retries)
        # a broken trial must not stop the study; its point is known
        trial = EpochTrial(fail_reason=f"error: {type(err).__name__}: {err}")
    state = ("failed" if trial.fail_reason else
             "pruned" if trial.pruned_at is not None else "complete")  # fmt: skip
    return TrialResult(
        number=index, lr=settings["lr"], weight_decay=settings["weight_decay"], seed=seed,
        state=state, val_acc_list=trial.val_acc_list, train_acc_list=trial.train_acc_list,
        fail_reason=trial.fail_reason, rng_state=rng_state(rng) if textbook else None,
        params=None if config.space.is_default else dict(point),
    )  # fmt: skip


# -- the database -------------------------------------------------------------------


def default_storage(out: str | os.PathLike) -> str:
    """The default storage: an SQLite file ``search.db`` inside the output folder."""
    return f"sqlite:///{Path(out).resolve() / 'search.db'}"


def mask_url(url: str | URL) -> str:
    """``url`` with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def parse_storage_url(url: str) -> URL:
    """Parse and check a SQLAlchemy URL; SearchError for a malformed or unknown one."""
    if not isinstance(url, str) or not url.strip():
        raise SearchError("--storage must be a SQLAlchemy URL such as sqlite:///path/search.db")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as err:
        raise SearchError(
            f"malformed --storage URL {url!r} ({err}); expected e.g. sqlite:///path/search.db "
            "or postgresql://user:password@host:5432/dbname"
        ) from None
    try:
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError) as err:
        raise SearchError(f"--storage URL {mask_url(parsed)}: unknown database kind "
                          f"{parsed.drivername!r} ({err})") from None  # fmt: skip
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise SearchError("--storage: an SQLite study needs a file (sqlite:///path/search.db)")
    if parsed.drivername == "postgresql":  # no driver named: the one the search extra installs
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _warn(message: str) -> None:
    print(f"pyref search: warning: {message}", file=sys.stderr, flush=True)


@dataclass
class Claim:
    """A worker's hold on one trial index, proven by its token."""

    index: int
    token: str
    attempt: int
    optuna_trial_id: int | None = None


class SearchStore:
    """A study's database: pyref's unit tables plus the Optuna mirror. Every method
    is safe to call from many processes on many machines at once."""

    def __init__(self, url: str, study: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                 create_folder: bool = True):  # fmt: skip
        """``create_folder``: create an SQLite file's folder when it is missing (the
        default storage inside ``--out``); otherwise a missing folder is an error, so
        that a mistyped ``--storage`` path creates nothing."""
        if not isinstance(study, str) or not study.strip():
            raise SearchError("the study name must be a non-empty string")
        self.parsed = parse_storage_url(url)
        self.url, self.study = url, study
        backend = self.parsed.get_backend_name()
        if backend == "sqlite":
            connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT}
            folder = Path(self.parsed.database).expanduser().parent
            if create_folder:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise SearchError(
                        f"cannot create the folder of {mask_url(url)}: {err}"
                    ) from None
            elif not folder.is_dir():
                raise SearchError(f"--storage {mask_url(url)}: there is no folder {folder}; "
                                  "create it first (pyref search creates only --out)")  # fmt: skip
        else:
            connect_args = {"connect_timeout": max(1, math.ceil(connect_timeout))}
        self._engine_kwargs = {"connect_args": connect_args}
        try:
            self.engine = sa.create_engine(self.parsed, **self._engine_kwargs)
        except ImportError as err:
            hint = " (the search extra installs psycopg)" if backend == "postgresql" else ""
            raise SearchError(
                f"--storage {mask_url(url)}: database driver missing: {err}{hint}"
            ) from None
        md = sa.MetaData()
        self.t_study = sa.Table(
            "pyref_search_study", md,
            sa.Column("name", sa.String(512), primary_key=True),
            sa.Column("config", sa.Text, nullable=False),
        )  # fmt: skip
        self.t_unit = sa.Table(
            "pyref_search_unit", md,
            sa.Column("study", sa.String(512), primary_key=True),
            sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("token", sa.String(64)),
            sa.Column("worker", sa.String(256)),
            sa.Column("heartbeat", sa.Float),
            sa.Column("finished", sa.Float),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("optuna_trial_id", sa.Integer),
            sa.Column("result", sa.Text),
            sa.Index("pyref_search_unit_state", "study", "state", "idx"),
        )  # fmt: skip
        # A learning sampler's point for a trial, recorded at its first claim so that a
        # retry trains the same point (a sampler asked again would answer otherwise).
        self.t_point = sa.Table(
            "pyref_search_point", md,
            sa.Column("study", sa.String(512), primary_key=True),
            sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("params", sa.Text, nullable=False),
            sa.Column("optuna_trial_id", sa.Integer),
        )  # fmt: skip
        # Each epoch's accuracies of a pruned study's trials and the pruner's decision,
        # written as they are reported, so that a retry replays the decisions made
        # before a crash instead of asking again.
        self.t_epoch = sa.Table(
            "pyref_search_epoch", md,
            sa.Column("study", sa.String(512), primary_key=True),
            sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("epoch", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("val_acc", sa.Float, nullable=False),
            sa.Column("train_acc", sa.Float, nullable=False),
            sa.Column("prune", sa.Integer, nullable=False),
        )  # fmt: skip
        self._metadata = md
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as err:
            raise SearchError(
                f"cannot reach the database {mask_url(url)}: {_first_line(err)}"
            ) from None
        self.check_tables()  # before anything is changed in another application's file
        if backend == "sqlite":  # readers (progress, dashboard) never block writers
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.text("PRAGMA journal_mode=WAL"))
            except SQLAlchemyError as err:
                raise SearchError(
                    f"cannot use the database {mask_url(url)}: {_first_line(err)}"
                ) from None
        self._optuna: Any = None
        self._optuna_study_id: int | None = None

    def _update(self, index: int, where: Sequence[Any] = (), **values: Any) -> int:
        """UPDATE unit ``index`` (under the extra ``where`` conditions); rows changed.
        Every update bumps the version, which is what makes claims compare-and-swap."""
        u = self.t_unit.c
        with self.engine.begin() as conn:
            return conn.execute(
                sa.update(self.t_unit)
                .where(u.study == self.study, u.idx == index, *where)
                .values(version=u.version + 1, **values)
            ).rowcount

    # setting up

    def check_tables(self) -> None:
        """Refuse a database that holds tables of another application: pyref adds its
        own and Optuna's tables only to an empty database or one they are in already."""
        from optuna.storages._rdb.models import BaseModel

        ours = set(self._metadata.tables) | set(BaseModel.metadata.tables) | {"alembic_version"}
        try:
            names = sa.inspect(self.engine).get_table_names()
        except SQLAlchemyError as err:
            raise SearchError(f"cannot reach the database {mask_url(self.url)}: "
                              f"{_first_line(err)}") from None  # fmt: skip
        foreign = sorted(set(names) - ours)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise SearchError(
                f"--storage {mask_url(self.url)} holds tables of another application ({shown}); "
                "pyref search uses an empty database or one it created: choose another --storage"
            )

    def existing_config(self) -> SearchConfig | None:
        """The stored study's settings, or None when there is no such study yet."""
        try:
            if not sa.inspect(self.engine).has_table(self.t_study.name):
                return None
        except SQLAlchemyError as err:
            raise SearchError(f"cannot read {mask_url(self.url)}: {_first_line(err)}") from None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(self.t_study.c.config)
                               .where(self.t_study.c.name == self.study)).first()  # fmt: skip
        return None if row is None else self._config_from_text(row[0])

    def _config_from_text(self, text: str) -> SearchConfig:
        try:
            return SearchConfig.from_json(json.loads(text))
        except (ValueError, TypeError, SearchError) as err:
            raise SearchError(f"study {self.study!r} in {mask_url(self.url)}: its stored "
                              f"settings are damaged ({_first_line(err)})") from None  # fmt: skip

    def ensure_study(self, config: SearchConfig) -> SearchConfig:
        """Create the study, or check that the stored one has the same settings, and
        make sure trials 0 .. trials-1 exist. Returns the settings, with ``trials``
        raised to the study's size when it already has more."""
        self.check_tables()
        for attempt in range(5):  # processes starting together may collide on a new database
            try:
                self._metadata.create_all(self.engine, checkfirst=True)
                optuna.create_study(storage=self.optuna, study_name=self.study,
                                    direction="maximize", load_if_exists=True)  # fmt: skip
                break
            except (SQLAlchemyError, RuntimeError, ValueError) as err:
                self._optuna, self._optuna_study_id = None, None
                if attempt == 4:
                    raise SearchError(f"cannot set up study {self.study!r} in "
                                      f"{mask_url(self.url)}: {_first_line(err)}") from None  # fmt: skip
                time.sleep(0.2 * (attempt + 1) + 0.1 * random.random())
        u = self.t_unit.c
        for _ in range(10):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(sa.select(self.t_study.c.config)
                                       .where(self.t_study.c.name == self.study)).first()  # fmt: skip
                    if row is None:
                        conn.execute(self.t_study.insert().values(
                            name=self.study, config=json.dumps(config.to_json(), sort_keys=True)))  # fmt: skip
                    else:
                        self._check_same(self._config_from_text(row[0]), config)
                    have = conn.execute(sa.select(sa.func.count(), sa.func.max(u.idx))
                                        .where(u.study == self.study)).first()  # fmt: skip
                    count, top = int(have[0]), -1 if have[1] is None else int(have[1])
                    if count != top + 1:
                        raise SearchError(f"study {self.study!r} has gaps in its trials")
                    if config.trials > count:
                        conn.execute(self.t_unit.insert(), [
                            {"study": self.study, "idx": i, "state": "waiting", "version": 0,
                             "attempts": 0} for i in range(count, config.trials)])  # fmt: skip
                if count > config.trials:
                    _warn(f"study {self.study!r} already has {count} trials; running all of them")
                    return dataclasses.replace(config, trials=count)
                return config
            except IntegrityError:
                time.sleep(0.1 + 0.1 * random.random())  # another process inserted them: look again
        raise SearchError(f"could not set up the trials of study {self.study!r}")

    def _check_same(self, stored: SearchConfig, config: SearchConfig) -> None:
        a, b = stored.to_json(), config.to_json()
        a["space"], b["space"] = stored.space.describe(), config.space.describe()
        diff = [f"{k}={a[k]!r} (now {b[k]!r})" for k in a if k != "trials" and a[k] != b[k]]
        if diff:
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)} was created with other settings: "
                f"{', '.join(diff)}; run it with those, or choose another --study or --out"
            )

    # claiming

    def claim(self, worker: str, *, ordered: bool, grace: float, max_attempts: int | None
              ) -> Claim | str:  # fmt: skip
        """Claim a trial for ``worker``: a :class:`Claim`, ``"wait"`` (every trial left
        is running on a live worker) or ``"done"`` (none is left).

        Lost trials (stale heartbeat, or a local worker that has ended) come first,
        then waiting ones in index order; ``ordered`` (textbook mode) allows only the
        lowest unfinished index. Reads are bounded by the number of running trials
        (about the number of workers) plus a few waiting ones, so a claim costs the
        same in a study of a million trials.
        """
        u = self.t_unit.c
        cols = (u.idx, u.state, u.version, u.worker, u.heartbeat, u.attempts, u.optuna_trial_id)
        while True:
            with self.engine.connect() as conn:
                if ordered:
                    rows = list(conn.execute(sa.select(*cols).where(
                        u.study == self.study, u.state.in_(("waiting", "running")))
                        .order_by(u.idx).limit(1)))  # fmt: skip
                else:
                    rows = list(conn.execute(sa.select(*cols).where(
                        u.study == self.study, u.state == "running")))  # fmt: skip
                    rows += list(conn.execute(sa.select(*cols).where(
                        u.study == self.study, u.state == "waiting").order_by(u.idx).limit(8)))  # fmt: skip
            if not rows:
                # The two reads above are two snapshots: a trial claimed between them
                # (waiting, then running) is in neither. One read decides "done".
                with self.engine.connect() as conn:
                    left = conn.execute(sa.select(sa.func.count()).where(
                        u.study == self.study, u.state.in_(("waiting", "running")))).scalar()  # fmt: skip
                if left:
                    continue
                return "done"
            now = time.time()
            candidates = []
            for row in rows:
                lost = row.state == "running" and (
                    (row.heartbeat or 0) < now - grace or _local_worker_gone(row.worker)
                )
                if row.state == "waiting" or lost:
                    candidates.append((row, lost))
            if not candidates:
                return "wait"
            candidates.sort(key=lambda c: (not c[1], c[0].idx))
            for row, lost in candidates:
                if lost and max_attempts is not None and row.attempts >= max_attempts:
                    reason = (f"worker lost {row.attempts} times (last {row.worker}); "
                              f"given up after {max_attempts}")  # fmt: skip
                    if self._update(row.idx, [u.version == row.version], state="failed",
                                    token=None, finished=now,
                                    result=json.dumps({"fail_reason": reason})):  # fmt: skip
                        self._optuna_fail(row.optuna_trial_id, reason)
                    continue
                token = uuid.uuid4().hex
                if self._update(row.idx, [u.version == row.version], state="running", token=token,
                                worker=worker, heartbeat=now, attempts=u.attempts + 1):  # fmt: skip
                    # The index keeps its Optuna trial: a retry is the same trial again
                    # (same draws), not a new one next to a failed one.
                    return Claim(row.idx, token, row.attempts + 1, row.optuna_trial_id)
            # every candidate went to another worker meanwhile: read again

    def heartbeat(self, claim: Claim) -> bool:
        """Refresh ``claim``'s heartbeat; False when the trial was taken over."""
        u = self.t_unit.c
        return self._update(claim.index, [u.token == claim.token, u.state == "running"],
                            heartbeat=time.time()) == 1  # fmt: skip

    def release(self, claim: Claim) -> None:
        """Hand ``claim``'s trial back unfinished (the worker is stopping), so that the
        next worker takes it at once; the attempt does not count as a lost one. Its
        Optuna trial goes back to WAITING, for the next attempt to take up."""
        u = self.t_unit.c
        if self._update(claim.index, [u.token == claim.token, u.state == "running"],
                        state="waiting", token=None, worker=None, attempts=u.attempts - 1):  # fmt: skip
            self._optuna_waiting(claim.optuna_trial_id)

    def abandon(self, claim: Claim) -> None:
        """Give ``claim``'s trial up as a lost worker's (its Julia worker died): it is
        claimed again at once and the attempt counts towards MAX_ATTEMPTS, as when a
        worker process dies."""
        u = self.t_unit.c
        self._update(claim.index, [u.token == claim.token, u.state == "running"],
                     token=None, heartbeat=0.0)  # fmt: skip

    def start_attempt(self, claim: Claim, point: dict[str, Any], worker: str,
                      space: SearchSpace = DEFAULT_SPACE) -> None:  # fmt: skip
        """Record this attempt in the Optuna study (RUNNING, with its params): in the
        index's Optuna trial from an earlier attempt when it has one, else a new one."""
        if self._optuna_resume(claim, point, worker):
            return
        claim.optuna_trial_id = self._optuna_running_trial(claim, point, worker, space)
        self._link_optuna(claim)

    def _link_optuna(self, claim: Claim) -> None:
        if claim.optuna_trial_id is not None:
            u = self.t_unit.c
            try:  # only for tidying the mirror later: a database hiccup must not fail the trial
                self._update(claim.index, [u.token == claim.token],
                             optuna_trial_id=claim.optuna_trial_id)  # fmt: skip
            except SQLAlchemyError as err:
                _warn(f"could not link trial {claim.index} to its Optuna trial: {_first_line(err)}")

    # learning samplers and pruners

    def stored_point(self, index: int) -> tuple[dict[str, Any], int | None] | None:
        """The point recorded for trial ``index`` at its first claim, and its Optuna trial."""
        p = self.t_point.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(p.params, p.optuna_trial_id)
                               .where(p.study == self.study, p.idx == index)).first()  # fmt: skip
        if row is None:
            return None
        try:
            point = json.loads(row.params)
        except ValueError:
            point = None
        if not isinstance(point, dict):
            raise SearchError(f"study {self.study!r} in {mask_url(self.url)}: the stored point "
                              f"of trial {index} is damaged; was the database edited?")  # fmt: skip
        return point, row.optuna_trial_id

    def optuna_study(self, config: SearchConfig, index: int) -> optuna.Study:
        """The Optuna study with the sampler that samples trial ``index`` and the pruner."""
        from pyref.samplers import make_pruner, make_sampler

        return optuna.load_study(
            study_name=self.study, storage=self.optuna,
            sampler=make_sampler(config.sampler, config.seed, index),
            pruner=make_pruner(config.pruner, config.epochs),
        )  # fmt: skip

    def sample_point(self, claim: Claim, config: SearchConfig, worker: str) -> dict[str, Any]:
        """Trial ``claim.index``'s point from the study's learning sampler: the one
        recorded at an earlier attempt, else a new one (TPE: from a new Optuna trial,
        which becomes the index's; QMC: the index's Sobol point), recorded now."""
        from pyref.samplers import qmc_point, suggest_point

        stored = self.stored_point(claim.index)
        if stored is not None:
            point, trial_id = stored
            try:
                point = config.space.check_point(point)
            except SpaceError as err:
                raise SearchError(f"study {self.study!r}: trial {claim.index}: {err}") from None
            if claim.optuna_trial_id is None:
                claim.optuna_trial_id = trial_id
            return point
        if config.sampler == "qmc":
            point = qmc_point(config.space, config.seed, claim.index)
        else:
            ostudy = self.optuna_study(config, claim.index)
            trial_id = claim.optuna_trial_id  # an attempt that died while sampling made it
            state = None if trial_id is None else self.optuna.get_trial(trial_id).state
            if state == TrialState.WAITING:
                self.optuna.set_trial_state_values(trial_id, TrialState.RUNNING)
            elif state != TrialState.RUNNING:
                # An attempt that died between creating its Optuna trial and linking it
                # left it RUNNING (or, released, WAITING) with this index: take it up.
                trial_id = self._unlinked_optuna_trial(claim.index)
                if trial_id is None:  # created with its index in one transaction
                    trial_id = self.optuna.create_new_trial(self.optuna_study_id, create_trial(
                        state=TrialState.RUNNING, user_attrs={"index": claim.index}))  # fmt: skip
                elif self.optuna.get_trial(trial_id).state == TrialState.WAITING:
                    self.optuna.set_trial_state_values(trial_id, TrialState.RUNNING)
                claim.optuna_trial_id = trial_id
                self._link_optuna(claim)  # before sampling: a retry samples in this trial
            self.optuna.set_trial_user_attr(trial_id, "index", claim.index)
            self.optuna.set_trial_user_attr(trial_id, "attempt", claim.attempt)
            self.optuna.set_trial_user_attr(trial_id, "worker", worker)
            point = suggest_point(optuna.Trial(ostudy, trial_id), config.space)
        u = self.t_unit.c
        with self.engine.begin() as conn:  # only while this worker holds the trial
            held = conn.execute(sa.select(u.idx).where(
                u.study == self.study, u.idx == claim.index, u.token == claim.token,
                u.state == "running")).first()  # fmt: skip
            if held is None:
                raise ClaimLost(f"trial {claim.index} was claimed by another worker")
            conn.execute(self.t_point.insert().values(
                study=self.study, idx=claim.index, params=json.dumps(point),
                optuna_trial_id=claim.optuna_trial_id))  # fmt: skip
        self._link_optuna(claim)
        return point

    def _unlinked_optuna_trial(self, index: int) -> int | None:
        """An unfinished Optuna trial of trial ``index`` that no unit links to, if any
        (reads the unfinished Optuna trials: about as many as there are workers)."""
        found = [t._trial_id for t in self.optuna.get_all_trials(
            self.optuna_study_id, deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING))
            if t.user_attrs.get("index") == index]  # fmt: skip
        if not found:
            return None
        u = self.t_unit.c
        with self.engine.connect() as conn:
            linked = {r[0] for r in conn.execute(sa.select(u.optuna_trial_id).where(
                u.study == self.study, u.optuna_trial_id.in_(found)))}  # fmt: skip
        return next((t for t in found if t not in linked), None)

    def epoch_reports(self, index: int) -> dict[int, tuple[float, float, bool]]:
        """Trial ``index``'s reported epochs: epoch -> (val_acc, train_acc, pruned)."""
        e = self.t_epoch.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(e.epoch, e.val_acc, e.train_acc, e.prune)
                                .where(e.study == self.study, e.idx == index))  # fmt: skip
            return {int(r.epoch): (float(r.val_acc), float(r.train_acc), bool(r.prune))
                    for r in rows}  # fmt: skip

    def report_epoch(self, claim: Claim, ostudy: optuna.Study | None, epoch: int,
                     val_acc: float, train_acc: float, last: bool) -> bool:  # fmt: skip
        """Report ``val_acc`` at ``epoch`` to the trial's Optuna trial (``trial.report``)
        and ask the pruner (never at the ``last`` epoch); the accuracies and the decision
        are written before they are acted on. True: prune the trial."""
        prune = False
        trial_id = claim.optuna_trial_id
        if trial_id is not None and ostudy is not None:
            try:
                self.optuna.set_trial_intermediate_value(trial_id, epoch, val_acc)
                if not last:
                    prune = bool(ostudy.pruner.prune(ostudy, self.optuna.get_trial(trial_id)))
            except Exception as err:  # the pruner must never fail the trial
                _warn(f"could not report epoch {epoch} of trial {claim.index} to Optuna: "
                      f"{_first_line(err)}")  # fmt: skip
        u = self.t_unit.c
        with self.engine.begin() as conn:
            held = conn.execute(sa.select(u.idx).where(
                u.study == self.study, u.idx == claim.index, u.token == claim.token,
                u.state == "running")).first()  # fmt: skip
            if held is None:
                raise ClaimLost(f"trial {claim.index} was claimed by another worker")
        try:
            with self.engine.begin() as conn:
                conn.execute(self.t_epoch.insert().values(
                    study=self.study, idx=claim.index, epoch=epoch, val_acc=val_acc,
                    train_acc=train_acc, prune=int(prune)))  # fmt: skip
        except IntegrityError:  # a lost attempt wrote this epoch just before: its decision
            return self.epoch_reports(claim.index)[epoch][2]
        return prune

    def finish(self, claim: Claim, result: TrialResult) -> bool:
        """Record ``result`` if ``claim`` still holds its trial; False if it was lost."""
        u = self.t_unit.c
        won = self._update(claim.index, [u.token == claim.token, u.state == "running"],
                           state=result.state, result=result.dumps(), finished=time.time())  # fmt: skip
        if won:  # a lost claim's Optuna trial is the new owner's now: left alone
            self._optuna_finish(claim.optuna_trial_id, result)
        return won == 1

    # reading

    def previous_state(self, index: int) -> dict[str, Any]:
        """Textbook mode: the stream's state after trial ``index``."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(u.state, u.result)
                               .where(u.study == self.study, u.idx == index)).first()  # fmt: skip
        state = None
        if row is not None and row.state in _DONE and row.result:
            state = self._parse_result(index, row.result).get("rng_state")
        if state is None:
            raise SearchError(f"textbook stream: trial {index} has no stored stream state")
        return state

    def counts(self) -> dict[str, int]:
        """Trials by state (waiting, running, complete, failed)."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(u.state, sa.func.count())
                                .where(u.study == self.study).group_by(u.state))  # fmt: skip
            counts = {**dict.fromkeys(UNIT_STATES, 0), **{r[0]: int(r[1]) for r in rows}}
            unknown = sorted(set(counts) - set(UNIT_STATES), key=str)
            if unknown:
                bad = list(conn.execute(sa.select(u.idx, u.state).where(
                    u.study == self.study, u.state.not_in(UNIT_STATES)).order_by(u.idx).limit(5)))  # fmt: skip
                listed = ", ".join(f"{r.idx} ({r.state!r})" for r in bad)
                raise SearchError(
                    f"study {self.study!r} in {mask_url(self.url)}: trial(s) in an unknown state: "
                    f"{listed}{', ...' if sum(counts[k] for k in unknown) > 5 else ''}; was the "
                    f"database edited? States are {', '.join(UNIT_STATES)}"
                )
        return counts

    def results(self, trials: int) -> list[TrialResult]:
        """Finished trials with index < ``trials``, in index order."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = list(conn.execute(
                sa.select(u.idx, u.result)
                .where(u.study == self.study, u.state.in_(_DONE), u.idx < trials).order_by(u.idx)
            ))  # fmt: skip
        return [self._result(r.idx, r.result) for r in rows]

    def _parse_result(self, index: int, text: Any) -> dict[str, Any]:
        try:
            d = json.loads(text)
        except (TypeError, ValueError):
            d = None
        if not isinstance(d, dict):
            raise SearchError(f"study {self.study!r} in {mask_url(self.url)}: the stored result "
                              f"of trial {index} is not a JSON object; was the database edited?")  # fmt: skip
        return d

    def _result(self, index: int, text: str) -> TrialResult:
        d = self._parse_result(index, text)
        if "lr" in d:
            try:
                return TrialResult(**d)
            except TypeError as err:
                raise SearchError(f"study {self.study!r} in {mask_url(self.url)}: the stored "
                                  f"result of trial {index} is damaged ({err})") from None  # fmt: skip
        if not isinstance(d.get("fail_reason"), str):
            raise SearchError(f"study {self.study!r} in {mask_url(self.url)}: the stored result "
                              f"of trial {index} is damaged (no lr, no fail_reason)")  # fmt: skip
        # given up after lost workers: the trial's point is still known (drawn from its
        # stream, or recorded when a learning sampler sampled it)
        cfg = self.stored_config()
        seed = trial_seed(cfg.seed, index)
        if cfg.learns:
            stored = self.stored_point(index)
            point = stored[0] if stored is not None else {}
        else:
            point = cfg.space.draw(np.random.RandomState(seed))
        settings = trial_settings(point, hidden=cfg.hidden, batch_size=cfg.batch_size)
        return TrialResult(index, settings["lr"], settings["weight_decay"], seed, "failed",
                           fail_reason=d["fail_reason"],
                           params=None if cfg.space.is_default else point)  # fmt: skip

    def stored_config(self) -> SearchConfig:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(self.t_study.c.config)
                               .where(self.t_study.c.name == self.study)).first()  # fmt: skip
        if row is None:
            raise SearchError(f"no study {self.study!r} in {mask_url(self.url)}")
        return self._config_from_text(row[0])

    # the Optuna mirror: best effort, the units are the authority

    @property
    def optuna(self) -> Any:
        if self._optuna is None:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            self._optuna = optuna.storages.RDBStorage(
                self.parsed.render_as_string(hide_password=False),
                engine_kwargs=self._engine_kwargs,
            )
        return self._optuna

    @property
    def optuna_study_id(self) -> int:
        if self._optuna_study_id is None:
            self._optuna_study_id = self.optuna.get_study_id_from_name(self.study)
        return self._optuna_study_id

    def _optuna_running_trial(self, claim: Claim, point: dict[str, Any], worker: str,
                              space: SearchSpace) -> int | None:  # fmt: skip
        try:
            if space.is_default:  # the order Optuna shows them in, as before spaces existed
                params = {"lr": float(point["lr"]), "weight_decay": float(point["weight_decay"])}
                distributions = {
                    "lr": FloatDistribution(*(10**e for e in LR_LOG10_RANGE), log=True),
                    "weight_decay": FloatDistribution(*(10**e for e in WEIGHT_DECAY_LOG10_RANGE),
                                                      log=True),
                }  # fmt: skip
            else:
                params, distributions = dict(point), space.distributions()
            template = create_trial(
                state=TrialState.RUNNING,
                params=params,
                distributions=distributions,
                user_attrs={"index": claim.index, "attempt": claim.attempt, "worker": worker},
            )  # fmt: skip
            return self.optuna.create_new_trial(self.optuna_study_id, template)
        except Exception as err:  # the mirror must never stop the study
            _warn(f"could not record trial {claim.index} in the Optuna study: {_first_line(err)}")
            return None

    def _optuna_resume(self, claim: Claim, point: dict[str, Any], worker: str) -> bool:
        """Take up the index's Optuna trial from an earlier attempt (WAITING after a
        release, RUNNING after a lost worker) for this one; False if there is none
        that fits (none yet, finished, or other params)."""
        if claim.optuna_trial_id is None:
            return False
        try:
            st = self.optuna
            trial = st.get_trial(claim.optuna_trial_id)
            same = trial.params == point
            if not same or trial.state not in (TrialState.WAITING, TrialState.RUNNING):
                if not trial.state.is_finished():
                    self._optuna_fail(claim.optuna_trial_id, "superseded by a new attempt")
                claim.optuna_trial_id = None
                return False
            if trial.state == TrialState.WAITING:
                st.set_trial_state_values(claim.optuna_trial_id, TrialState.RUNNING)
            st.set_trial_user_attr(claim.optuna_trial_id, "attempt", claim.attempt)
            st.set_trial_user_attr(claim.optuna_trial_id, "worker", worker)
            return True
        except Exception as err:  # the mirror must never stop the study
            _warn(f"could not resume Optuna trial {claim.optuna_trial_id}: {_first_line(err)}")
            claim.optuna_trial_id = None
            return False

    def _optuna_waiting(self, trial_id: int | None) -> None:
        """An attempt that stopped unfinished: its Optuna trial waits for the next one."""
        if trial_id is None:
            return
        try:
            if self.optuna.get_trial(trial_id).state == TrialState.RUNNING:
                self.optuna.set_trial_state_values(trial_id, TrialState.WAITING)
        except Exception:
            pass  # finished meanwhile by another process: nothing to do

    def _optuna_finish(self, trial_id: int | None, result: TrialResult) -> None:
        if trial_id is None:
            return
        st = self.optuna
        try:
            st.set_trial_user_attr(trial_id, "val_acc_list", result.val_acc_list)
            st.set_trial_user_attr(trial_id, "train_acc_list", result.train_acc_list)
            if result.state == "complete":
                st.set_trial_state_values(trial_id, TrialState.COMPLETE, [result.final_val_acc])
            elif result.state == "pruned":  # as Optuna's tell: the last reported value
                st.set_trial_state_values(trial_id, TrialState.PRUNED, [result.final_val_acc])
            else:
                st.set_trial_user_attr(trial_id, "fail_reason", result.fail_reason)
                st.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception as err:
            _warn(f"could not finish Optuna trial {trial_id}: {_first_line(err)}")

    def _optuna_fail(self, trial_id: int | None, reason: str) -> None:
        if trial_id is None:
            return
        try:
            if not self.optuna.get_trial(trial_id).state.is_finished():
                self.optuna.set_trial_user_attr(trial_id, "fail_reason", reason)
                self.optuna.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception:
            pass  # finished meanwhile by another process: nothing to do

    def reconcile_optuna(self) -> None:
        """Once no trial is left: close Optuna trials still RUNNING or WAITING (their
        workers died between recording a result and mirroring it, or before recording
        the attempt)."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = {r.optuna_trial_id: r for r in conn.execute(
                sa.select(u.idx, u.optuna_trial_id, u.result).where(
                    u.study == self.study, u.optuna_trial_id.is_not(None)))}  # fmt: skip
        try:
            running = self.optuna.get_all_trials(
                self.optuna_study_id, deepcopy=False,
                states=(TrialState.RUNNING, TrialState.WAITING))  # fmt: skip
        except Exception as err:
            _warn(f"could not read the Optuna study: {_first_line(err)}")
            return
        for tr in running:
            row = rows.get(tr._trial_id)
            if row is not None and row.result:
                self._optuna_finish(tr._trial_id, self._result(row.idx, row.result))
            else:
                self._optuna_fail(tr._trial_id, "worker lost before it recorded the attempt")

    def dispose(self) -> None:
        self.engine.dispose()
        if self._optuna is not None:
            try:
                self._optuna.remove_session()
                self._optuna.engine.dispose()
            except Exception:
                pass


# -- workers --------------------------------------------------------------------------


def _this_machine() -> str:
    """This machine: host name and boot id, so that a pid is only judged where it lives."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()[:8]
    except OSError:
        boot = "-"
    return f"{socket.gethostname()}/{boot}"


def worker_id() -> str:
    """This process as a worker: machine|pid|random."""
    return f"{_this_machine()}|{os.getpid()}|{uuid.uuid4().hex[:8]}"


def _local_worker_gone(worker: str | None) -> bool:
    """True when ``worker`` was a process on this machine that no longer runs (so a
    rerun retries a killed worker's trial at once, not after the grace period).
    Workers elsewhere, or unknowable ones, count as alive: their heartbeat decides."""
    parts = (worker or "").split("|")
    if len(parts) != 3 or parts[0] != _this_machine() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet is a zombie: gone as well
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


class Heartbeat(threading.Thread):
    """Refreshes a claim's heartbeat every ``interval`` seconds while its trial trains."""

    def __init__(self, store: SearchStore, claim: Claim, interval: float):
        super().__init__(daemon=True, name=f"heartbeat-{claim.index}")
        self.store, self.claim, self.interval = store, claim, interval
        self._stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                if not self.store.heartbeat(self.claim):
                    self.lost = True
                    return
            except Exception as err:  # a database hiccup: try again next time
                _warn(f"heartbeat of trial {self.claim.index} failed: {_first_line(err)}")

    def check(self) -> None:
        """Raise ClaimLost when another worker took the trial over."""
        if self.lost:
            raise ClaimLost(f"trial {self.claim.index} was claimed by another worker")

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)


def run_worker(
    config: SearchConfig,
    store: SearchStore,
    *,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    data: SearchData | None = None,
    on_finished: Callable[[TrialResult], None] | None = None,
) -> int:
    """Claim and run trials until the study has none left; returns how many this
    worker recorded. Data are loaded (and Julia started) at the first claim, so a
    worker that finds nothing to do exits at once."""
    heartbeat, grace = _seconds("heartbeat", heartbeat), _seconds("grace", grace)
    me = worker_id()
    textbook = config.stream == "textbook"
    idle = min(1.0, heartbeat / 4)
    done, ready = 0, False
    while True:
        claim = store.claim(me, ordered=textbook, grace=grace,
                            max_attempts=None if textbook else MAX_ATTEMPTS)  # fmt: skip
        if claim == "done":
            return done
        if claim == "wait":
            time.sleep(idle)
            continue
        assert isinstance(claim, Claim)
        beat = Heartbeat(store, claim, heartbeat)
        beat.start()
        try:
            # Julia is (re)started before each trial: a worker that died in the last
            # one is replaced, and one that cannot start stops this worker.
            check_engine(config.engine, start=True)
            if not ready:
                data = data or prepare_data(config)
                ready = True
            if not textbook:
                rng = np.random.RandomState(trial_seed(config.seed, claim.index))
            elif claim.index == 0:
                rng = _rng_from_json(data.rng_after_split)
            else:
                rng = _rng_from_json(store.previous_state(claim.index - 1),
                                     f"the stored stream state after trial {claim.index - 1}")  # fmt: skip
            point = store.sample_point(claim, config, me) if config.learns else None
            reports = store.epoch_reports(claim.index) if config.pruner != "none" else {}
            replayed = _replay_pruned(config, claim.index, reports, point, rng)
            if replayed is not None:  # pruned before a crash: recorded, never re-run
                result = replayed
                store.start_attempt(claim, replayed.params or
                                    {"lr": replayed.lr, "weight_decay": replayed.weight_decay},
                                    me, config.space)  # fmt: skip
            else:
                result = study_trial(
                    config, data, claim.index, rng, point=point, check=beat.check,
                    on_start=lambda p, c=claim: store.start_attempt(c, p, me, config.space),
                    on_epoch=_pruning(store, claim, config, reports),
                )  # fmt: skip
        except ClaimLost:  # another worker took the trial over; its result will count
            continue
        except JuliaWorkerCrashed as err:
            # An infrastructure fault, as a dead worker process: the trial is retried
            # (per-trial streams: here, at once, up to MAX_ATTEMPTS attempts in all).
            what = f"the Julia worker died during trial {claim.index} ({_first_line(err)})"
            if textbook:  # one stream: stop, and leave the trial to the next run
                _release_quietly(store, claim)
                raise SearchError(f"{what}; the trial was handed back: run the same command "
                                  "again to resume") from None  # fmt: skip
            store.abandon(claim)
            _warn(f"{what}; it is retried (attempt {claim.attempt} of {MAX_ATTEMPTS})")
            continue
        except JuliaBridgeError as err:  # Julia could not be (re)started: stop this worker
            _release_quietly(store, claim)
            raise SearchError(f"--engine julia: {_first_line(err)}") from None
        except BaseException:  # Ctrl-C, a broken engine, ...: hand the trial back
            try:
                store.release(claim)
            except Exception as err:
                _warn(f"could not release trial {claim.index}: {_first_line(err)}")
            raise
        finally:
            beat.stop()
        if store.finish(claim, result):
            done += 1
            if on_finished is not None:
                on_finished(result)


def _pruning(store: SearchStore, claim: Claim, config: SearchConfig,
             reports: dict[int, tuple[float, float, bool]]) -> Callable[[int, float, float], bool] | None:  # fmt: skip
    """The per-epoch callback of a trial of a pruned study: the decision recorded for
    an epoch by an earlier attempt (a retry after a crash replays it), else a report to
    Optuna and the pruner's decision, written to the database before it is acted on."""
    if config.pruner == "none":
        return None
    ostudy: list[optuna.Study] = []

    def on_epoch(epoch: int, val_acc: float, train_acc: float) -> bool:
        if epoch in reports:
            return reports[epoch][2]
        if not ostudy:
            ostudy.append(store.optuna_study(config, claim.index))
        return store.report_epoch(claim, ostudy[0], epoch, val_acc, train_acc,
                                  last=epoch >= config.epochs)  # fmt: skip

    return on_epoch


def _replay_pruned(config: SearchConfig, index: int, reports: dict[int, tuple[float, float, bool]],
                   point: dict[str, Any] | None, rng: np.random.RandomState) -> TrialResult | None:  # fmt: skip
    """A per-trial trial that an earlier attempt pruned (the decision is stored, the
    attempt died before recording the result): its result from the stored epochs,
    without training it again. None otherwise (textbook: the stream must be re-run)."""
    pruned = [e for e, r in reports.items() if r[2]]
    if not pruned or config.stream == "textbook":
        return None
    last = min(pruned)
    if sorted(e for e in reports if e <= last) != list(range(1, last + 1)):
        return None  # epochs missing: train again, replaying the decisions
    if point is None:
        point = config.space.draw(rng)
    settings = trial_settings(point, hidden=config.hidden, batch_size=config.batch_size)
    return TrialResult(
        number=index, lr=settings["lr"], weight_decay=settings["weight_decay"],
        seed=trial_seed(config.seed, index), state="pruned",
        val_acc_list=[reports[e][0] for e in range(1, last + 1)],
        train_acc_list=[reports[e][1] for e in range(1, last + 1)],
        params=None if config.space.is_default else dict(point),
    )  # fmt: skip


def _release_quietly(store: SearchStore, claim: Claim) -> None:
    try:
        store.release(claim)
    except Exception as err:
        _warn(f"could not release trial {claim.index}: {_first_line(err)}")


def _watch_parent(parent_pid: int) -> None:
    """In a local worker: exit when the launching `pyref search` is gone (a killed
    launcher takes its workers along; running the command again resumes)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(70)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _worker_main(payload_path: str) -> int:
    """A local worker process (``python -m pyref.study --worker FILE``): its settings,
    the storage URL among them, come in a file only its user can read (0600, in the
    launcher's private folder), not on the command line, which every user can see."""
    parent = os.environ.get(PARENT_ENV)
    if parent:
        _watch_parent(int(parent))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # release the trial on the way out
    payload = json.loads(Path(payload_path).read_text(encoding="utf-8"))
    try:
        store = SearchStore(payload["storage"], payload["study"], create_folder=False,
                            connect_timeout=payload["connect_timeout"])  # fmt: skip
        try:
            run_worker(SearchConfig.from_json(payload["config"]), store,
                       heartbeat=payload["heartbeat"], grace=payload["grace"],
                       data=_load_data(payload["data"], payload["description"]))  # fmt: skip
        finally:
            store.dispose()
    except SearchError as err:
        print(f"pyref search: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


# -- outputs --------------------------------------------------------------------------

CSV_FIELDS = ("number", "state", "lr", "weight_decay", "seed", "final_val_acc",
              "final_train_acc", "fail_reason", "val_acc_list", "train_acc_list")  # fmt: skip


def trials_csv(results: Sequence[TrialResult]) -> str:
    """All trials as CSV; each curve as space-separated accuracies; with a space other
    than the book's, one more column per parameter beyond lr and weight decay."""
    extra: list[str] = []
    for r in results:
        extra += [k for k in (r.params or {}) if k not in CSV_FIELDS and k not in extra]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *extra])
    for r in results:
        rec = {**(r.params or {}), **r.to_record()}
        writer.writerow([
            "" if rec.get(k) is None else " ".join(map(repr, rec[k])) if isinstance(rec[k], list)
            else repr(rec[k]) if isinstance(rec[k], float) else rec[k]
            for k in (*CSV_FIELDS, *extra)
        ])  # fmt: skip
    return buf.getvalue()


def write_outputs(
    out: Path, results: Sequence[TrialResult], *, config: SearchConfig, study: str,
    storage: str, data_description: str,
) -> str:  # fmt: skip
    """Write best.txt (the book's Best-N listing), best20.png, scatter.png,
    history.png, parallel.png, trials.json, trials.csv and study.json into ``out``;
    returns the listing."""
    from pyref.figures import hyperparameter_optimization as search_figures
    from pyref.io import save_figure, write_json, write_text
    from pyref.search_figures import history_figure, parallel_figure

    complete = [r for r in results if r.state == "complete"]
    listing = format_best([r.to_trial() for r in complete], BEST_N)
    if not config.space.is_default:  # each line also names the trial's other settings
        listing = _with_params(listing, complete)
    write_text(out / "best.txt", listing + "\n")
    write_json(out / "trials.json", [r.to_record() for r in results])
    write_text(out / "trials.csv", trials_csv(results))
    write_json(out / "study.json", {
        "study": study, "storage": mask_url(storage), "settings": config.to_json(),
        "data": data_description,
        "trial_seed": (None if config.stream == "textbook"
                       else f"(seed * {TRIAL_SEED_MULTIPLIER} + number) mod 2**32"),
        "complete": len(complete), "failed": sum(r.state == "failed" for r in results),
        **({"pruned": sum(r.state == "pruned" for r in results)} if config.pruner != "none"
           else {}),
        **({} if config.space.is_default else {"space": config.space.describe()}),
    })  # fmt: skip
    if complete:
        scatter = {"lr", "weight_decay"} <= set(config.space.names)  # its axes are searched
        with warnings.catch_warnings():
            if not scatter:  # a fixed weight decay of 0 has no place on a log axis
                warnings.simplefilter("ignore", UserWarning)
            figures = search_figures(
                {"trials": [r.to_record() for r in complete]}, n=BEST_N, data=config.data
            )
        save_figure(figures["best"], out / "best20.png")
        if scatter:
            save_figure(figures["scatter"], out / "scatter.png")
        records = [r.to_record() for r in results]
        save_figure(history_figure(records), out / "history.png")
        save_figure(parallel_figure(records, config.space), out / "parallel.png")
    return listing


def _with_params(listing: str, complete: Sequence[TrialResult]) -> str:
    """The Best-N listing with each trial's point appended (``| optimizer:adam, ...``)."""
    ranked = sorted(complete, key=lambda r: r.final_val_acc, reverse=True)
    lines = listing.split("\n")
    for i, r in enumerate(ranked[: len(lines) - 1]):
        extra = {k: v for k, v in (r.params or {}).items() if k not in ("lr", "weight_decay")}
        if extra:
            lines[i + 1] += " | " + ", ".join(f"{k}:{v}" for k, v in extra.items())
    return "\n".join(lines)


# -- the command ----------------------------------------------------------------------


def run_search(
    config: SearchConfig,
    *,
    out: str | os.PathLike = DEFAULT_OUT,
    storage: str | None = None,
    study: str = DEFAULT_STUDY,
    workers: int = 1,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    connect_timeout: float = CONNECT_TIMEOUT,
    progress: bool = True,
) -> int:
    """Set up or resume the study, run ``workers`` local workers until no trial is
    left, write the outputs. Returns 0 when every trial is finished (complete or
    failed), 1 when some are left (run again to resume). Raises SearchError for
    bad settings or an unusable database, before anything is stored: a new study's
    settings are saved only once its data load and split. Interrupted (Ctrl-C), it
    writes the outputs of the trials finished so far, then raises KeyboardInterrupt."""
    workers = _positive_int("workers", workers)
    heartbeat, grace = _seconds("heartbeat", heartbeat), _seconds("grace", grace)
    connect_timeout = _seconds("connect_timeout", connect_timeout)
    if config.stream == "textbook" and workers != 1:
        raise SearchError("the textbook stream is one stream and runs sequentially: use "
                          "--workers 1, or --stream per-trial to run trials in parallel")  # fmt: skip
    check_engine(config.engine)
    out = Path(out)
    from pyref.io import OutputPathError, check_output_dir

    try:
        check_output_dir(out, "--out")
    except OutputPathError as err:
        raise SearchError(str(err)) from None
    create_folder = storage is None  # only the default storage's folder: --out
    storage = storage or default_storage(out)
    store = SearchStore(storage, study, connect_timeout=connect_timeout,
                        create_folder=create_folder)  # fmt: skip
    try:
        data = None
        store.check_tables()
        if store.existing_config() is None:  # a new study: its settings must work first
            data = prepare_data(config)
        config = store.ensure_study(config)
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        if left and data is None:
            data = prepare_data(config)  # once, for all local workers
        description = data.description if data else describe_source(config.data)
        print(f"data: {description}")
        print(f"study {study!r} in {mask_url(storage)}: {config.trials} trials of "
              f"{config.epochs} epochs, stream {config.stream}, engine {config.engine}, "
              f"{workers} worker(s)", flush=True)  # fmt: skip
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=config.trials, initial=sum(counts[k] for k in _DONE),
                       desc="trials", unit="trial", dynamic_ncols=True, smoothing=0.1)  # fmt: skip

        def advance(_: Any = None) -> None:  # the bar follows every worker's trials
            if bar is not None:
                c = store.counts()
                bar.update(max(0, sum(c[k] for k in _DONE) - bar.n))

        status = 0
        finished_outputs = functools.partial(
            _write_finished, store, out, config=config, study=study, storage=storage,
            description=description)  # fmt: skip
        try:
            if not left:
                pass  # finished already: the outputs are written again
            elif workers == 1:
                from threadpoolctl import threadpool_limits

                with threadpool_limits(limits=1):  # as local workers: one BLAS thread
                    run_worker(config, store, heartbeat=heartbeat, grace=grace, data=data,
                               on_finished=advance)  # fmt: skip
                advance()  # trials other commands finished meanwhile
            else:
                status = _run_local_workers(config, store, data, workers, advance,
                                            heartbeat=heartbeat, grace=grace,
                                            connect_timeout=connect_timeout)  # fmt: skip
        except KeyboardInterrupt:  # Ctrl-C: keep what finished, then stop
            if bar is not None:
                bar.close()
                bar = None
            finished_outputs()
            raise
        finally:
            if bar is not None:
                bar.close()
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        if left:
            print(f"pyref search: {left} trial(s) unfinished; run the same command again to "
                  "resume", file=sys.stderr)  # fmt: skip
            status = status or 1
        else:
            store.reconcile_optuna()
        results = store.results(config.trials)
        listing = write_outputs(out, results, config=config, study=study, storage=storage,
                                data_description=description)  # fmt: skip
        print(listing)
        failed = sum(r.state == "failed" for r in results)
        print(f"{len(results)} trial(s) finished ({failed} failed); results in {out}/")
        return status
    finally:
        store.dispose()


def join_study(
    storage: str,
    study: str,
    *,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    connect_timeout: float = CONNECT_TIMEOUT,
    progress: bool = True,
) -> int:
    """``pyref search worker``: one worker joins the existing ``study`` in ``storage``
    from any machine that reaches the database, with the study's stored settings (it
    loads and splits the data itself, identically), and claims trials until none is
    left. It writes no outputs (the command that created the study does). Returns 0
    when the study has no trial left, 1 otherwise."""
    heartbeat, grace = _seconds("heartbeat", heartbeat), _seconds("grace", grace)
    connect_timeout = _seconds("connect_timeout", connect_timeout)
    store = SearchStore(storage, study, connect_timeout=connect_timeout, create_folder=False)
    try:
        config = store.existing_config()
        if config is None:
            raise SearchError(f"no study {study!r} in {mask_url(storage)}: start it with "
                              "`pyref search --storage ... --study ...` first")  # fmt: skip
        check_engine(config.engine)
        config = store.ensure_study(config)
        print(f"joining study {study!r} in {mask_url(storage)}: {config.trials} trials of "
              f"{config.epochs} epochs, sampler {config.sampler}, pruner {config.pruner}, "
              f"engine {config.engine}", flush=True)  # fmt: skip
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=config.trials, initial=sum(store.counts()[k] for k in _DONE),
                       desc="trials", unit="trial", dynamic_ncols=True)  # fmt: skip

        def advance(_: Any = None) -> None:
            if bar is not None:
                c = store.counts()
                bar.update(max(0, sum(c[k] for k in _DONE) - bar.n))

        from threadpoolctl import threadpool_limits

        try:
            with threadpool_limits(limits=1):
                done = run_worker(config, store, heartbeat=heartbeat, grace=grace,
                                  on_finished=advance)  # fmt: skip
        finally:
            if bar is not None:
                bar.close()
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        print(f"this worker recorded {done} trial(s); the study has "
              f"{sum(counts[k] for k in _DONE)} finished, {left} left")  # fmt: skip
        return 1 if left else 0
    finally:
        store.dispose()


def _write_finished(store: SearchStore, out: Path, *, config: SearchConfig, study: str,
                    storage: str, description: str) -> None:  # fmt: skip
    """After an interruption: the outputs of the trials finished so far, or a warning."""
    try:
        results = store.results(config.trials)
        write_outputs(out, results, config=config, study=study, storage=storage,
                      data_description=description)  # fmt: skip
        print(f"pyref search: the {len(results)} trial(s) finished so far are in {out}/",
              file=sys.stderr, flush=True)  # fmt: skip
    except Exception as err:
        _warn(f"interrupted; could not write the finished trials: {_first_line(err)}")


def _run_local_workers(
    config: SearchConfig, store: SearchStore, data: SearchData, workers: int,
    advance: Callable[[], None], *, heartbeat: float, grace: float, connect_timeout: float,
) -> int:  # fmt: skip
    """Run ``workers`` worker processes to the end; 2 if one of them stopped on a
    SearchError (no Julia, say: it printed why), else 0."""
    with tempfile.TemporaryDirectory(prefix="pyref-search-") as tmp:  # 0700: this user's
        _save_data(data, Path(tmp) / "data.npz")
        payload = json.dumps({"config": config.to_json(), "storage": store.url,
                              "study": store.study, "heartbeat": heartbeat, "grace": grace,
                              "connect_timeout": connect_timeout,
                              "data": str(Path(tmp) / "data.npz"),
                              "description": data.description})  # fmt: skip
        settings = Path(tmp) / "worker.json"  # the storage URL may hold a password: 0600
        fd = os.open(settings, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(payload)
        env = {**child_env(dict(os.environ)), **ONE_THREAD_ENV, PARENT_ENV: str(os.getpid())}
        cmd = [sys.executable, "-m", "pyref.study", "--worker", str(settings)]
        return _wait_for_workers([subprocess.Popen(cmd, env=env) for _ in range(workers)], advance)


def _wait_for_workers(procs: list[subprocess.Popen], advance: Callable[[], None]) -> int:
    try:
        while any(p.poll() is None for p in procs):
            advance()
            time.sleep(0.5)
        advance()
    except BaseException:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        raise
    codes = [p.returncode for p in procs]
    if any(codes):  # their trials were taken over by the others, or are left for a rerun
        _warn(f"{sum(c != 0 for c in codes)} of {len(procs)} worker(s) exited abnormally "
              f"(codes {codes})")  # fmt: skip
    return 2 if 2 in codes else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"] and len(sys.argv) == 3:
        sys.exit(_worker_main(sys.argv[2]))
    sys.exit("python -m pyref.study is pyref search's worker process; run `pyref search`")
