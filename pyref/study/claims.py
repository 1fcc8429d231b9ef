"""The claim store: pyref's tables in the study's database, the authority on which
trial is waiting, running (claimed by whom, with which heartbeat) or finished, and
the compare-and-swap claim that lets exactly one worker win a trial."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import sqlalchemy as sa
from optuna.exceptions import StorageInternalError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pyref.search import trial_seed
from pyref.study.config import CONNECT_TIMEOUT, SearchConfig
from pyref.study.database import (
    DONE_STATES,
    UNIT_STATES,
    Claim,
    mask_url,
    parse_storage_url,
)
from pyref.study.errors import SearchError, first_line, warn
from pyref.study.liveness import local_worker_gone
from pyref.study.optuna_study import OptunaStudyMixin
from pyref.study.results import trial_to_json
from pyref.study.space import trial_settings
from pyref.study.trial import Trial

#: Seconds SQLite waits for another process's write lock.
SQLITE_BUSY_TIMEOUT = 60.0
#: Trial rows made at once when a worker finds none waiting: a study's rows are made
#: as its trials are claimed, never all of its planned trials up front.
UNIT_BATCH = 64


class ClaimStore(OptunaStudyMixin):
    """A study's database: pyref's unit tables plus the Optuna mirror. Every method
    is safe to call from many processes on many machines at once."""

    def __init__(
        self,
        url: str,
        study: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        create_folder: bool = True,
        must_exist: bool = False,
    ):
        """``create_folder``: create an SQLite file's folder when it is missing (the
        default storage inside ``--out``); otherwise a missing folder is an error, so
        that a mistyped ``--storage`` path creates nothing. ``must_exist``: an SQLite
        file that does not exist is an error (a worker joins an existing study). A
        new SQLite file is created only when :meth:`ensure_study` stores the study;
        an existing one must be writable, and so must its folder (SQLite's journal)."""
        if not isinstance(study, str) or not study.strip():
            raise SearchError("the study name must be a non-empty string")
        self.parsed = parse_storage_url(url)
        self.url, self.study = url, study
        backend = self.parsed.get_backend_name()
        self._sqlite_file: Path | None = None
        self._create_folder = create_folder
        if backend == "sqlite":
            connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT}
            self._sqlite_file = Path(self.parsed.database).expanduser()
            self._check_sqlite_file(must_exist)
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
            "pyref_search_study",
            md,
            sa.Column("name", sa.String(512), primary_key=True),
            sa.Column("config", sa.Text, nullable=False),
        )
        self.t_unit = sa.Table(
            "pyref_search_unit",
            md,
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
        )
        # A learning sampler's point for a trial, recorded at its first claim so that a
        # retry trains the same point (a sampler asked again would answer otherwise).
        self.t_point = sa.Table(
            "pyref_search_point",
            md,
            sa.Column("study", sa.String(512), primary_key=True),
            sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("params", sa.Text, nullable=False),
            sa.Column("optuna_trial_id", sa.Integer),
        )
        # Each epoch's accuracies of a pruned study's trials and the pruner's decision,
        # written as they are reported, so that a retry replays the decisions made
        # before a crash instead of asking again.
        self.t_epoch = sa.Table(
            "pyref_search_epoch",
            md,
            sa.Column("study", sa.String(512), primary_key=True),
            sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("epoch", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("val_acc", sa.Float, nullable=False),
            sa.Column("train_acc", sa.Float, nullable=False),
            sa.Column("prune", sa.Integer, nullable=False),
        )
        self._metadata = md
        self._optuna: Any = None
        self._optuna_study_id: int | None = None
        if self._not_created():
            return  # a new SQLite file: nothing to reach or check until it is made
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as err:
            raise SearchError(
                f"cannot reach the database {mask_url(url)}: {first_line(err)}"
            ) from None
        self.check_tables()  # before anything is changed in another application's file
        self._use_wal()

    def _not_created(self) -> bool:
        """True for an SQLite study whose file does not exist (yet)."""
        return self._sqlite_file is not None and not self._sqlite_file.exists()

    def _check_sqlite_file(self, must_exist: bool) -> None:
        """SearchError unless the SQLite file can be used: its folder exists (or may
        be created), the file exists when ``must_exist``, and both are writable."""
        file = self._sqlite_file
        assert file is not None
        folder = file.parent
        where = mask_url(self.url)
        if not self._create_folder and not folder.is_dir():
            raise SearchError(
                f"--storage {where}: there is no folder {folder}; "
                "create it first (pyref search creates only --out)"
            )
        if must_exist and not file.exists():
            raise SearchError(
                f"no study {self.study!r} in {where}: there is no file {file}; start the "
                "study with `pyref search --storage ... --study ...` first"
            )
        if file.is_dir():
            raise SearchError(f"the database {file} is a folder, not an SQLite file")
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            raise SearchError(
                f"the database {file} is read-only: pyref search records its trials in it; "
                f"make it writable (chmod u+w {file}) or work on a copy"
            )
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
            raise SearchError(
                f"the database {file}: the folder {existing} is not writable (SQLite "
                "keeps its journal beside the database)"
            )

    def _use_wal(self) -> None:
        """SQLite: write-ahead logging, so that readers (progress, dashboard) never
        block writers (kept in the file: set once, when it is made)."""
        if self._sqlite_file is None:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text("PRAGMA journal_mode=WAL"))
        except SQLAlchemyError as err:
            raise SearchError(
                f"cannot use the database {mask_url(self.url)}: {first_line(err)}"
            ) from None

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

        if self._not_created():
            return
        ours = set(self._metadata.tables) | set(BaseModel.metadata.tables) | {"alembic_version"}
        try:
            names = sa.inspect(self.engine).get_table_names()
        except SQLAlchemyError as err:
            raise SearchError(
                f"cannot reach the database {mask_url(self.url)}: {first_line(err)}"
            ) from None
        foreign = sorted(set(names) - ours)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise SearchError(
                f"--storage {mask_url(self.url)} holds tables of another application ({shown}); "
                "pyref search uses an empty database or one it created: choose another --storage"
            )

    def existing_config(self) -> SearchConfig | None:
        """The stored study's settings, or None when there is no such study yet."""
        if self._not_created():
            return None
        try:
            if not sa.inspect(self.engine).has_table(self.t_study.name):
                return None
        except SQLAlchemyError as err:
            raise SearchError(f"cannot read {mask_url(self.url)}: {first_line(err)}") from None
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(self.t_study.c.config).where(self.t_study.c.name == self.study)
            ).first()
        return None if row is None else self._config_from_text(row[0])

    def _config_from_text(self, text: str) -> SearchConfig:
        try:
            return SearchConfig.from_json(json.loads(text))
        except (ValueError, TypeError, SearchError) as err:
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)}: its stored "
                f"settings are damaged ({first_line(err)})"
            ) from None

    def ensure_study(self, config: SearchConfig) -> SearchConfig:
        """Create the study (and an SQLite file, with its folder when ``create_folder``),
        or check that the stored one has the same settings, and plan trials 0 ..
        trials-1 (their rows are made as they are claimed). Returns the settings, with
        ``trials`` raised to the study's size when it already has more."""
        if self._sqlite_file is not None and self._not_created():
            if self._create_folder:
                try:
                    self._sqlite_file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise SearchError(
                        f"cannot create the folder of {mask_url(self.url)}: {err}"
                    ) from None
            self._use_wal()  # makes the file
        self.check_tables()
        for attempt in range(5):  # processes starting together may collide on a new database
            try:
                self._metadata.create_all(self.engine, checkfirst=True)
                optuna.create_study(
                    storage=self.optuna,
                    study_name=self.study,
                    direction="maximize",
                    load_if_exists=True,
                )
                break
            except (SQLAlchemyError, RuntimeError, ValueError, StorageInternalError) as err:
                self._optuna, self._optuna_study_id = None, None
                if attempt == 4:
                    raise SearchError(
                        f"cannot set up study {self.study!r} in "
                        f"{mask_url(self.url)}: {first_line(err.__cause__ or err)}"
                    ) from None
                time.sleep(0.2 * (attempt + 1) + 0.1 * random.random())
        for _ in range(10):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(
                        sa.select(self.t_study.c.config).where(self.t_study.c.name == self.study)
                    ).first()
                    if row is None:
                        conn.execute(
                            self.t_study.insert().values(
                                name=self.study, config=json.dumps(config.to_json(), sort_keys=True)
                            )
                        )
                        return config
                    self._check_same(self._config_from_text(row[0]), config)
                    planned, changed = self._planned(conn, row[0]), 0
                    if config.trials > planned:  # more trials: the stored size grows
                        grown = {**json.loads(row[0]), "trials": config.trials}
                        changed = conn.execute(
                            sa.update(self.t_study)
                            .where(
                                self.t_study.c.name == self.study, self.t_study.c.config == row[0]
                            )
                            .values(config=json.dumps(grown, sort_keys=True))
                        ).rowcount
                if config.trials > planned and changed != 1:
                    continue  # another command changed the settings meanwhile: look again
                if planned > config.trials:
                    warn(f"study {self.study!r} already has {planned} trials; running all of them")
                    return dataclasses.replace(config, trials=planned)
                return config
            except IntegrityError:
                time.sleep(0.1 + 0.1 * random.random())  # another process wrote it: look again
        raise SearchError(f"could not set up the trials of study {self.study!r}")

    def _planned(self, conn: Any, stored: str | None = None) -> int:
        """The study's size: the stored settings' ``trials`` (raised when a command
        asks for more), or the rows made, if more (a study made before rows were made
        lazily has one per trial). SearchError for rows with gaps."""
        if stored is None:
            stored = conn.execute(
                sa.select(self.t_study.c.config).where(self.t_study.c.name == self.study)
            ).scalar()
            if stored is None:
                raise SearchError(f"no study {self.study!r} in {mask_url(self.url)}")
        try:
            trials = json.loads(stored)["trials"]
        except (TypeError, ValueError, KeyError):
            trials = None
        if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)}: its stored settings are "
                "damaged (no number of trials)"
            )
        count, made = self._made(conn)
        if count != made:
            raise SearchError(f"study {self.study!r} has gaps in its trials")
        return max(trials, made)

    def _made(self, conn: Any) -> tuple[int, int]:
        """(rows, highest index + 1) of the study's trials made so far."""
        u = self.t_unit.c
        have = conn.execute(
            sa.select(sa.func.count(), sa.func.max(u.idx)).where(u.study == self.study)
        ).first()
        return int(have[0]), 0 if have[1] is None else int(have[1]) + 1

    def _make_rows(self) -> bool:
        """Make the rows of the next UNIT_BATCH planned trials (waiting); False when
        every planned trial has its row. True also when another worker made them
        first: look again."""
        try:
            with self.engine.begin() as conn:
                planned = self._planned(conn)
                made = self._made(conn)[1]
                if made >= planned:
                    return False
                conn.execute(
                    self.t_unit.insert(),
                    [
                        {
                            "study": self.study,
                            "idx": i,
                            "state": "waiting",
                            "version": 0,
                            "attempts": 0,
                        }
                        for i in range(made, min(planned, made + UNIT_BATCH))
                    ],
                )
        except IntegrityError:
            pass  # another worker made them
        return True

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

    def claim(
        self, worker: str, *, ordered: bool, grace: float, max_attempts: int | None
    ) -> Claim | str:
        """Claim a trial for ``worker``: a :class:`Claim`, ``"wait"`` (every trial left
        is running on a live worker) or ``"done"`` (none is left).

        Lost trials (stale heartbeat, or a local worker that has ended) come first,
        then waiting ones in index order; ``ordered`` (textbook mode) allows only the
        lowest unfinished index. When none is waiting, the rows of the next planned
        trials are made (UNIT_BATCH at a time). Reads are bounded by the number of
        running trials (about the number of workers) plus a few waiting ones, so a
        claim costs the same in a study of a million trials.
        """
        u = self.t_unit.c
        cols = (u.idx, u.state, u.version, u.worker, u.heartbeat, u.attempts, u.optuna_trial_id)
        while True:
            with self.engine.connect() as conn:
                if ordered:
                    rows = list(
                        conn.execute(
                            sa.select(*cols)
                            .where(u.study == self.study, u.state.in_(("waiting", "running")))
                            .order_by(u.idx)
                            .limit(1)
                        )
                    )
                else:
                    rows = list(
                        conn.execute(
                            sa.select(*cols).where(u.study == self.study, u.state == "running")
                        )
                    )
                    rows += list(
                        conn.execute(
                            sa.select(*cols)
                            .where(u.study == self.study, u.state == "waiting")
                            .order_by(u.idx)
                            .limit(8)
                        )
                    )
            if (not rows if ordered else all(r.state != "waiting" for r in rows)) and (
                self._make_rows()
            ):
                continue  # the next trials have rows now: read again
            if not rows:
                # The two reads above are two snapshots: a trial claimed between them
                # (waiting, then running) is in neither. One read decides "done".
                with self.engine.connect() as conn:
                    left = conn.execute(
                        sa.select(sa.func.count()).where(
                            u.study == self.study, u.state.in_(("waiting", "running"))
                        )
                    ).scalar()
                if left:
                    continue
                return "done"
            now = time.time()
            candidates = []
            for row in rows:
                lost = row.state == "running" and (
                    (row.heartbeat or 0) < now - grace or local_worker_gone(row.worker)
                )
                if row.state == "waiting" or lost:
                    candidates.append((row, lost))
            if not candidates:
                return "wait"
            candidates.sort(key=lambda c: (not c[1], c[0].idx))
            for row, lost in candidates:
                if lost and max_attempts is not None and row.attempts >= max_attempts:
                    reason = (
                        f"worker lost {row.attempts} times (last {row.worker}); "
                        f"given up after {max_attempts}"
                    )
                    if self._update(
                        row.idx,
                        [u.version == row.version],
                        state="failed",
                        token=None,
                        finished=now,
                        result=json.dumps({"fail_reason": reason}),
                    ):
                        self._optuna_fail(row.optuna_trial_id, reason)
                    continue
                token = uuid.uuid4().hex
                if self._update(
                    row.idx,
                    [u.version == row.version],
                    state="running",
                    token=token,
                    worker=worker,
                    heartbeat=now,
                    attempts=u.attempts + 1,
                ):
                    # The index keeps its Optuna trial: a retry is the same trial again
                    # (same draws), not a new one next to a failed one.
                    return Claim(row.idx, token, row.attempts + 1, row.optuna_trial_id)
            # every candidate went to another worker meanwhile: read again

    def heartbeat(self, claim: Claim) -> bool:
        """Refresh ``claim``'s heartbeat; False when the trial was taken over."""
        u = self.t_unit.c
        return (
            self._update(
                claim.index, [u.token == claim.token, u.state == "running"], heartbeat=time.time()
            )
            == 1
        )

    def release(self, claim: Claim) -> None:
        """Hand ``claim``'s trial back unfinished (the worker is stopping), so that the
        next worker takes it at once; the attempt does not count as a lost one. Its
        Optuna trial goes back to WAITING, for the next attempt to take up."""
        u = self.t_unit.c
        if self._update(
            claim.index,
            [u.token == claim.token, u.state == "running"],
            state="waiting",
            token=None,
            worker=None,
            attempts=u.attempts - 1,
        ):
            self._optuna_waiting(claim.optuna_trial_id)

    def abandon(self, claim: Claim) -> None:
        """Give ``claim``'s trial up as a lost worker's (its Julia worker died): it is
        claimed again at once and the attempt counts towards MAX_ATTEMPTS, as when a
        worker process dies."""
        u = self.t_unit.c
        self._update(
            claim.index, [u.token == claim.token, u.state == "running"], token=None, heartbeat=0.0
        )

    def finish(self, claim: Claim, result: Trial) -> bool:
        """Record ``result`` if ``claim`` still holds its trial; False if it was lost."""
        u = self.t_unit.c
        won = self._update(
            claim.index,
            [u.token == claim.token, u.state == "running"],
            state=result.state,
            result=trial_to_json(result),
            finished=time.time(),
        )
        if won:  # a lost claim's Optuna trial is the new owner's now: left alone
            self._optuna_finish(claim.optuna_trial_id, result)
        return won == 1

    # reading

    def previous_state(self, index: int) -> dict[str, Any]:
        """Textbook mode: the stream's state after trial ``index``."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(u.state, u.result).where(u.study == self.study, u.idx == index)
            ).first()
        state = None
        if row is not None and row.state in DONE_STATES and row.result:
            state = self._parse_result(index, row.result).get("rng_state")
        if state is None:
            raise SearchError(f"textbook stream: trial {index} has no stored stream state")
        return state

    def counts(self) -> dict[str, int]:
        """Trials by state (waiting, running, complete, failed, pruned); planned trials
        whose rows are not made yet count as waiting."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(u.state, sa.func.count()).where(u.study == self.study).group_by(u.state)
            )
            counts = {**dict.fromkeys(UNIT_STATES, 0), **{r[0]: int(r[1]) for r in rows}}
            counts["waiting"] += self._planned(conn) - self._made(conn)[1]  # no row yet
            unknown = sorted(set(counts) - set(UNIT_STATES), key=str)
            if unknown:
                bad = list(
                    conn.execute(
                        sa.select(u.idx, u.state)
                        .where(u.study == self.study, u.state.not_in(UNIT_STATES))
                        .order_by(u.idx)
                        .limit(5)
                    )
                )
                listed = ", ".join(f"{r.idx} ({r.state!r})" for r in bad)
                raise SearchError(
                    f"study {self.study!r} in {mask_url(self.url)}: trial(s) in an unknown state: "
                    f"{listed}{', ...' if sum(counts[k] for k in unknown) > 5 else ''}; was the "
                    f"database edited? States are {', '.join(UNIT_STATES)}"
                )
        return counts

    def results(self, trials: int) -> list[Trial]:
        """Finished trials with index < ``trials``, in index order."""
        u = self.t_unit.c
        with self.engine.connect() as conn:
            rows = list(
                conn.execute(
                    sa.select(u.idx, u.result)
                    .where(u.study == self.study, u.state.in_(DONE_STATES), u.idx < trials)
                    .order_by(u.idx)
                )
            )
        return [self._result(r.idx, r.result) for r in rows]

    def _parse_result(self, index: int, text: Any) -> dict[str, Any]:
        try:
            d = json.loads(text)
        except (TypeError, ValueError):
            d = None
        if not isinstance(d, dict):
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)}: the stored result "
                f"of trial {index} is not a JSON object; was the database edited?"
            )
        return d

    def _result(self, index: int, text: str) -> Trial:
        d = self._parse_result(index, text)
        if "lr" in d:
            try:
                return Trial(**d)
            except TypeError as err:
                raise SearchError(
                    f"study {self.study!r} in {mask_url(self.url)}: the stored "
                    f"result of trial {index} is damaged ({err})"
                ) from None
        if not isinstance(d.get("fail_reason"), str):
            raise SearchError(
                f"study {self.study!r} in {mask_url(self.url)}: the stored result "
                f"of trial {index} is damaged (no lr, no fail_reason)"
            )
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
        return Trial(
            index,
            settings["lr"],
            settings["weight_decay"],
            fail_reason=d["fail_reason"],
            state="failed",
            seed=seed,
            params=None if cfg.space.is_default else point,
        )

    def stored_config(self) -> SearchConfig:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(self.t_study.c.config).where(self.t_study.c.name == self.study)
            ).first()
        if row is None:
            raise SearchError(f"no study {self.study!r} in {mask_url(self.url)}")
        return self._config_from_text(row[0])

    def dispose(self) -> None:
        self.engine.dispose()
        if self._optuna is not None:
            try:
                self._optuna.remove_session()
                self._optuna.engine.dispose()
            except Exception:
                pass
