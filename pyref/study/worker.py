"""A worker: it claims trials, keeps each one's heartbeat while it trains (a thread),
records its result, and goes on until the study has none left; also the local worker
process that ``pyref search --workers N`` starts (``python -m pyref.study --worker``)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import optuna

from pyref import interrupt
from pyref.runtime.session import JuliaBridgeError, JuliaWorkerCrashed
from pyref.search import trial_seed
from pyref.study.claims import ClaimStore
from pyref.study.config import (
    GRACE_PERIOD,
    HEARTBEAT_INTERVAL,
    SearchConfig,
    positive_seconds,
)
from pyref.study.data import SearchData, load_data, prepare_data
from pyref.study.database import Claim
from pyref.study.engines import check_engine, study_trial
from pyref.study.errors import ClaimLost, SearchError, first_line, warn
from pyref.study.liveness import worker_id
from pyref.study.results import rng_from_json
from pyref.study.space import trial_settings
from pyref.study.trial import Trial

#: Lost workers a per-trial trial survives before it is recorded as failed.
MAX_ATTEMPTS = 3
#: Set in the environment of local worker processes: the launcher's pid.
PARENT_ENV = "PYREF_SEARCH_PARENT"


class Heartbeat(threading.Thread):
    """Refreshes a claim's heartbeat every ``interval`` seconds while its trial trains."""

    def __init__(self, store: ClaimStore, claim: Claim, interval: float):
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
                warn(f"heartbeat of trial {self.claim.index} failed: {first_line(err)}")

    def check(self) -> None:
        """Raise ClaimLost when another worker took the trial over."""
        if self.lost:
            raise ClaimLost(f"trial {self.claim.index} was claimed by another worker")

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)


def run_worker(
    config: SearchConfig,
    store: ClaimStore,
    *,
    heartbeat: float = HEARTBEAT_INTERVAL,
    grace: float = GRACE_PERIOD,
    data: SearchData | None = None,
    on_finished: Callable[[Trial], None] | None = None,
) -> int:
    """Claim and run trials until the study has none left; returns how many this
    worker recorded. Data are loaded (and Julia started) at the first claim, so a
    worker that finds nothing to do exits at once."""
    heartbeat, grace = positive_seconds("heartbeat", heartbeat), positive_seconds("grace", grace)
    me = worker_id()
    textbook = config.stream == "textbook"
    idle = min(1.0, heartbeat / 4)
    done, ready = 0, False
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
                rng = rng_from_json(data.rng_after_split)
            else:
                rng = rng_from_json(
                    store.previous_state(claim.index - 1),
                    f"the stored stream state after trial {claim.index - 1}",
                )
            point = store.sample_point(claim, config, me) if config.learns else None
            reports = store.epoch_reports(claim.index) if config.pruner != "none" else {}
            replayed = _replay_pruned(config, claim.index, reports, point, rng)
            if replayed is not None:  # pruned before a crash: recorded, never re-run
                result = replayed
                store.start_attempt(
                    claim,
                    replayed.params or {"lr": replayed.lr, "weight_decay": replayed.weight_decay},
                    me,
                    config.space,
                )
            else:
                result = study_trial(
                    config,
                    data,
                    claim.index,
                    rng,
                    point=point,
                    check=beat.check,
                    on_start=lambda p, c=claim: store.start_attempt(c, p, me, config.space),
                    on_epoch=_pruning(store, claim, config, reports),
                )
        except ClaimLost:  # another worker took the trial over; its result will count
            continue
        except JuliaWorkerCrashed as err:
            # An infrastructure fault, as a dead worker process: the trial is retried
            # (per-trial streams: here, at once, up to MAX_ATTEMPTS attempts in all).
            what = f"the Julia worker died during trial {claim.index} ({first_line(err)})"
            if textbook:  # one stream: stop, and leave the trial to the next run
                _release_quietly(store, claim)
                raise SearchError(
                    f"{what}; the trial was handed back: run the same command again to resume"
                ) from None
            store.abandon(claim)
            warn(f"{what}; it is retried (attempt {claim.attempt} of {MAX_ATTEMPTS})")
            continue
        except JuliaBridgeError as err:  # Julia could not be (re)started: stop this worker
            _release_quietly(store, claim)
            raise SearchError(f"--engine julia: {first_line(err)}") from None
        except BaseException:  # Ctrl-C, a broken engine, ...: hand the trial back
            try:
                store.release(claim)
            except Exception as err:
                warn(f"could not release trial {claim.index}: {first_line(err)}")
            raise
        finally:
            beat.stop()
        if store.finish(claim, result):
            done += 1
            if on_finished is not None:
                on_finished(result)


def _pruning(
    store: ClaimStore,
    claim: Claim,
    config: SearchConfig,
    reports: dict[int, tuple[float, float, bool]],
) -> Callable[[int, float, float], bool] | None:
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
        return store.report_epoch(
            claim, ostudy[0], epoch, val_acc, train_acc, last=epoch >= config.epochs
        )

    return on_epoch


def _replay_pruned(
    config: SearchConfig,
    index: int,
    reports: dict[int, tuple[float, float, bool]],
    point: dict[str, Any] | None,
    rng: np.random.RandomState,
) -> Trial | None:
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
    return Trial(
        number=index,
        lr=settings["lr"],
        weight_decay=settings["weight_decay"],
        seed=trial_seed(config.seed, index),
        state="pruned",
        val_acc_list=[reports[e][0] for e in range(1, last + 1)],
        train_acc_list=[reports[e][1] for e in range(1, last + 1)],
        params=None if config.space.is_default else dict(point),
    )


def _release_quietly(store: ClaimStore, claim: Claim) -> None:
    try:
        store.release(claim)
    except Exception as err:
        warn(f"could not release trial {claim.index}: {first_line(err)}")


def _watch_parent(parent_pid: int) -> None:
    """In a local worker: exit when the launching `pyref search` is gone (a killed
    launcher takes its workers along; running the command again resumes)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(70)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def worker_main(payload_path: str) -> int:
    """A local worker process (``python -m pyref.study --worker FILE``): its settings,
    the storage URL among them, come in a file only its user can read (0600, in the
    launcher's private folder), not on the command line, which every user can see."""
    parent = os.environ.get(PARENT_ENV)
    if parent:
        _watch_parent(int(parent))
    try:
        with interrupt.sigterm_as_interrupt():  # SIGTERM as Ctrl-C: the trial is handed back
            payload = json.loads(Path(payload_path).read_text(encoding="utf-8"))
            store = ClaimStore(
                payload["storage"],
                payload["study"],
                create_folder=False,
                connect_timeout=payload["connect_timeout"],
            )
            try:
                run_worker(
                    SearchConfig.from_json(payload["config"]),
                    store,
                    heartbeat=payload["heartbeat"],
                    grace=payload["grace"],
                    data=load_data(payload["data"], payload["description"]),
                )
            finally:
                store.dispose()
    except SearchError as err:
        print(f"pyref search: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        return interrupt.exit_code(err)
    return 0
