"""The claim store (pyref.study.claims): claims are exclusive, a lost claim cannot record,
a released one is free, two commands share one SQLite file, and a retry samples in
the Optuna trial its lost attempt made."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from study_helpers import (
    FOUR_SPACE,
    TINY,
    TINY_CONFIG,
    optuna_trials,
    start_cli,
    units,
)

from pyref.study.claims import ClaimStore
from pyref.study.config import DEFAULT_STUDY, SearchConfig
from pyref.study.liveness import worker_id
from pyref.study.trial import Trial


def test_claims_are_exclusive_under_contention(tmp_path: Path) -> None:
    """Threads, each with its own connections, race to claim 60 trials."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    ClaimStore(url, "race").ensure_study(SearchConfig(trials=60, stream="per-trial"))
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        store = ClaimStore(url, "race")
        me = worker_id()
        while True:
            c = store.claim(me, ordered=False, grace=60, max_attempts=3)
            if c == "done":
                return
            if c == "wait":
                time.sleep(0.01)
                continue
            with lock:
                claimed.append(c.index)
            result = Trial(c.index, 1e-3, 1e-6, [0.5], [0.5])
            assert store.finish(c, result)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert sorted(claimed) == list(range(60))


def test_a_lost_claim_cannot_record_and_a_released_one_is_free(tmp_path: Path) -> None:
    store = ClaimStore(f"sqlite:///{tmp_path / 'c.db'}", "c")
    store.ensure_study(SearchConfig(trials=1, stream="per-trial"))
    first = store.claim("elsewhere/x|1|a", ordered=False, grace=60, max_attempts=3)
    assert store.claim("elsewhere/x|2|b", ordered=False, grace=60, max_attempts=3) == "wait"
    time.sleep(0.05)
    second = store.claim("elsewhere/x|2|b", ordered=False, grace=0.01, max_attempts=3)
    assert second.index == 0 and second.attempt == 2  # the first one's heartbeat went stale
    result = Trial(0, 1e-3, 1e-6, [0.5], [0.5], seed=0)
    assert not store.heartbeat(first) and not store.finish(first, result)
    store.release(second)
    third = store.claim("elsewhere/x|3|c", ordered=False, grace=60, max_attempts=3)
    assert third.attempt == 2  # a released attempt is not counted as lost
    assert store.finish(third, result)
    assert store.claim("elsewhere/x|3|c", ordered=False, grace=60, max_attempts=3) == "done"


def test_two_commands_share_one_sqlite_file(tmp_path: Path, tiny_reference: Path) -> None:
    out = tmp_path / "shared"
    args = [*TINY, "--stream", "per-trial", "--out", str(out)]
    procs = [start_cli(args, progress=True), start_cli(args)]
    errs = []
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        errs.append(err)
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    assert [u[3] for u in units(out / "search.db")] == [1] * 8
    assert len(optuna_trials(f"sqlite:///{out / 'search.db'}")) == 8
    assert "8/8" in errs[0] and "<" in errs[0]  # tqdm's bar: count, elapsed<remaining (ETA)


def test_a_retry_samples_in_the_optuna_trial_its_lost_attempt_made(tmp_path: Path) -> None:
    """An attempt killed after creating its Optuna trial, before linking it to the unit:
    the retry takes that trial up (no second Optuna trial for the index), and the point
    it samples is recorded, to be reused by any later attempt."""
    from optuna.trial import TrialState, create_trial

    from pyref.study.space import parse_space

    config = dataclasses.replace(TINY_CONFIG, sampler="tpe", space=parse_space(FOUR_SPACE))
    store = ClaimStore(f"sqlite:///{tmp_path / 'search.db'}", DEFAULT_STUDY)
    try:
        store.ensure_study(config)
        orphan = store.optuna.create_new_trial(
            store.optuna_study_id, create_trial(state=TrialState.RUNNING, user_attrs={"index": 0})
        )
        claim = store.claim("here|1|a", ordered=False, grace=60, max_attempts=3)
        assert claim.index == 0 and claim.optuna_trial_id is None
        point = store.sample_point(claim, config, "here|1|a")
        assert claim.optuna_trial_id == orphan
        assert store.optuna.get_trial(orphan).params == point
        assert store.stored_point(0) == (point, orphan)
        store.release(claim)
        again = store.claim("here|2|b", ordered=False, grace=60, max_attempts=3)
        assert again.index == 0 and store.sample_point(again, config, "here|2|b") == point
        assert len(store.optuna.get_all_trials(store.optuna_study_id)) == 1
    finally:
        store.dispose()
