"""`pyref search` (pyref.study): claiming, heartbeats, resume, determinism, databases.

Studies here are tiny (small nets, few epochs, few trials) so that the file runs
in about a minute. Commands run as a user runs them (`python -m pyref.cli search`,
what the `pyref` script calls). The PostgreSQL test starts a throwaway server from
Debian's postgresql package on a loopback port; without one it is skipped, unless
PYREF_REQUIRE_POSTGRES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

# The search extra is part of `.[dev]`: without it these imports fail, loudly.
from pyref import cli
from pyref.datasets import load_mnist
from pyref.search import random_search, run_trial, trial_seed
from pyref.study import worker as study_worker
from pyref.study.config import DEFAULT_STUDY, SearchConfig
from pyref.study.data import prepare_data
from pyref.study.engines import study_trial
from pyref.study.liveness import this_machine, worker_id
from pyref.study.results import trial_record
from pyref.study.store import SearchStore
from pyref.study.trial import Trial

REPO = Path(__file__).resolve().parents[1]
REQUIRE_POSTGRES_ENV = "PYREF_REQUIRE_POSTGRES"

#: A study of seconds: 8 trials of a 784-20-20-10 net, 200 training samples
#: (2 steps an epoch), 50 validation samples, 4 epochs.
TINY = ["--trials", "8", "--epochs", "4", "--train-size", "250", "--hidden", "20,20"]
TINY_CONFIG = SearchConfig(trials=8, epochs=4, train_size=250, hidden=(20, 20), stream="per-trial")
#: Slower trials (about 0.1 s each), so that a study can be killed in the middle.
SLOW = ["--trials", "8", "--epochs", "15", "--train-size", "500", "--hidden", "100,100,100"]
FAST_HEARTBEAT = ["--heartbeat", "0.2", "--grace", "2"]


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "MPLBACKEND": "Agg",
    }


def _command(args: list[str], progress: bool = False) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pyref.cli",
        "search",
        *([] if progress else ["--no-progress"]),
        *args,
    ]


def run_cli(args: list[str], timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `pyref search ARGS` to completion."""
    return subprocess.run(
        _command(args), capture_output=True, text=True, timeout=timeout, env=_env(), cwd=REPO
    )


def start_cli(args: list[str], progress: bool = False) -> subprocess.Popen:
    """Start `pyref search ARGS` in its own process group."""
    return subprocess.Popen(
        _command(args, progress),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
        start_new_session=True,
    )


def run_inprocess(args: list[str]) -> int:
    return cli.main(["search", "--no-progress", *args])


def units(db: Path) -> list[tuple]:
    """(idx, state, worker, attempts) of every trial of the SQLite study ``db``."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return list(
                conn.execute(
                    "SELECT idx, state, worker, attempts FROM pyref_search_unit ORDER BY idx"
                )
            )
    except sqlite3.OperationalError:  # not created yet
        return []


def wait_for(predicate, timeout: float = 120, interval: float = 0.02) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def done_count(db: Path) -> int:
    return sum(1 for u in units(db) if u[1] in ("complete", "failed", "pruned"))


def mid_trial(db: Path, finished: int) -> bool:
    """At least ``finished`` trials are done and another is running: a kill now lands in
    the middle of a trial (not between two, a gap a busy machine makes longer)."""
    rows = units(db)
    done = sum(1 for u in rows if u[1] in ("complete", "failed", "pruned"))
    return done >= finished and any(u[1] == "running" for u in rows)


def trials_json(out: Path) -> list[dict]:
    return json.loads((out / "trials.json").read_text())


def optuna_trials(storage: str, name: str = DEFAULT_STUDY) -> list:
    import optuna

    return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)


def kill_when(proc: subprocess.Popen, predicate) -> None:
    """SIGKILL the command and its workers (its process group) once ``predicate()``."""
    try:
        wait_for(lambda: predicate() or proc.poll() is not None)
        assert proc.poll() is None, "the study ended before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


# -- references ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory) -> Path:
    """The TINY per-trial study, run in this process by one worker."""
    out = tmp_path_factory.mktemp("tiny-ref")
    assert run_inprocess([*TINY, "--stream", "per-trial", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def slow_reference(tmp_path_factory) -> Path:
    """The SLOW per-trial study, uninterrupted, one worker."""
    out = tmp_path_factory.mktemp("slow-ref")
    assert run_inprocess([*SLOW, "--stream", "per-trial", "--out", str(out)]) == 0
    return out


# -- streams --------------------------------------------------------------------------


def test_textbook_stream_equals_the_sequential_search(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_inprocess([*TINY, "--trials", "5", "--seed", "11", "--out", str(out)]) == 0
    (x, t), _ = load_mnist(normalize=True)
    with threadpool_limits(1):
        expected = random_search(
            x[:250], t[:250], trials=5, epochs=4, hidden=(20, 20), rng=np.random.RandomState(11)
        )
    got = trials_json(out)
    assert [g["number"] for g in got] == list(range(5))
    for e, g in zip(expected, got):
        assert (g["lr"], g["weight_decay"]) == (e.lr, e.weight_decay)
        assert g["val_acc_list"] == e.val_acc_list and len(g["val_acc_list"]) == 4
        assert g["train_acc_list"] == e.train_acc_list
        assert (g["final_val_acc"], g["final_train_acc"]) == (
            e.val_acc_list[-1],
            e.train_acc_list[-1],
        )
        assert g["state"] == "complete" and g["seed"] is None and g["fail_reason"] is None
    # the book's listing, the figures, the CSV
    from pyref.search import format_best

    assert (out / "best.txt").read_text() == format_best(expected) + "\n"
    for name in ("best20.png", "scatter.png", "study.json", "search.db"):
        assert (out / name).stat().st_size > 0
    rows = (out / "trials.csv").read_text().splitlines()
    assert rows[0].split(",")[:4] == ["number", "state", "lr", "weight_decay"]
    assert [float(r.split(",")[2]) for r in rows[1:]] == [e.lr for e in expected]


def test_per_trial_stream_is_the_trial_seeds_stream(tiny_reference: Path) -> None:
    got = trials_json(tiny_reference)
    data = prepare_data(TINY_CONFIG)
    with threadpool_limits(1):
        r = study_trial(TINY_CONFIG, data, 3, np.random.RandomState(trial_seed(0, 3)))
    assert got[3] == trial_record(r)
    rs = np.random.RandomState(trial_seed(0, 3))
    assert (r.weight_decay, r.lr) == (10 ** rs.uniform(-8, -4), 10 ** rs.uniform(-6, -2))
    assert got[3]["seed"] == trial_seed(0, 3)
    assert len({(g["lr"], g["weight_decay"]) for g in got}) == 8  # eight different streams


def test_results_do_not_depend_on_the_worker_count(tmp_path: Path, slow_reference: Path) -> None:
    out = tmp_path / "two"
    proc = run_cli([*SLOW, "--workers", "2", "--out", str(out)])  # per-trial: the default here
    assert proc.returncode == 0, proc.stderr
    for name in ("trials.json", "trials.csv", "best.txt"):
        assert (out / name).read_bytes() == (slow_reference / name).read_bytes(), name
    rows = units(out / "search.db")
    assert [u[3] for u in rows] == [1] * 8  # each trial ran once
    assert len({u[2] for u in rows}) == 2  # ... spread over both workers
    trials = optuna_trials(f"sqlite:///{out / 'search.db'}")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(8))
    assert all(t.state.name == "COMPLETE" for t in trials)
    by_index = {t.user_attrs["index"]: t for t in trials}
    for rec in trials_json(out):
        t = by_index[rec["number"]]
        assert t.params == {"lr": rec["lr"], "weight_decay": rec["weight_decay"]}
        assert t.value == rec["final_val_acc"]
        assert t.user_attrs["val_acc_list"] == rec["val_acc_list"]


def test_optuna_dashboard_shows_the_study(tiny_reference: Path) -> None:
    """optuna-dashboard's own web app, served in process, reads the study's database."""
    from wsgiref.util import setup_testing_defaults

    import optuna_dashboard as dashboard  # in `.[dev]`

    app = dashboard.wsgi(f"sqlite:///{tiny_reference / 'search.db'}")

    def get(path: str) -> dict:
        env: dict = {}
        setup_testing_defaults(env)
        env["PATH_INFO"] = path
        status = []
        body = b"".join(app(env, lambda s, headers, exc_info=None: status.append(s)))
        assert status == ["200 OK"], body[:300]
        return json.loads(body)

    (summary,) = get("/api/studies")["study_summaries"]
    assert summary["study_name"] == DEFAULT_STUDY and summary["directions"] == ["maximize"]
    trials = get(f"/api/studies/{summary['study_id']}")["trials"]
    records = trials_json(tiny_reference)
    assert [t["values"] for t in trials] == [[r["final_val_acc"]] for r in records]
    assert [{p["name"]: p["param_internal_value"] for p in t["params"]} for t in trials] == [
        {"lr": r["lr"], "weight_decay": r["weight_decay"]} for r in records
    ]


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


def test_claims_are_exclusive_under_contention(tmp_path: Path) -> None:
    """Threads, each with its own connections, race to claim 60 trials."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    SearchStore(url, "race").ensure_study(SearchConfig(trials=60, stream="per-trial"))
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        store = SearchStore(url, "race")
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
    store = SearchStore(f"sqlite:///{tmp_path / 'c.db'}", "c")
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


# -- failures, heartbeats, resume ----------------------------------------------------------


def test_a_killed_study_resumes_to_the_same_results(tmp_path: Path, slow_reference: Path) -> None:
    out = tmp_path / "killed"
    db = out / "search.db"
    args = [*SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT]
    kill_when(start_cli(args), lambda: mid_trial(db, 2))  # the launcher and both workers
    before = units(db)
    assert 0 < sum(u[1] == "complete" for u in before) < 8, before
    assert any(u[1] == "running" for u in before)  # killed in the middle of trials
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    assert (out / "trials.json").read_bytes() == (slow_reference / "trials.json").read_bytes()
    assert all(u[1] == "complete" for u in units(db))
    assert not list(out.glob(".*.tmp"))  # no half-written output


def test_a_killed_worker_s_trial_is_retried(tmp_path: Path, slow_reference: Path) -> None:
    out = tmp_path / "one-killed"
    db = out / "search.db"
    proc = start_cli([*SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT])
    query = (
        "SELECT idx, worker FROM pyref_search_unit WHERE state = 'running' AND idx >= 1 "
        "AND optuna_trial_id IS NOT NULL"
    )

    victim = kill_a_running_worker(proc, db, query)  # its Optuna attempt recorded
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "exited abnormally" in err
    assert (out / "trials.json").read_bytes() == (slow_reference / "trials.json").read_bytes()
    attempts = {u[0]: u[3] for u in units(db)}
    assert attempts[victim] == 2 and sum(attempts.values()) == 9
    # The retry took up the lost attempt's Optuna trial: one COMPLETE trial per index.
    trials = optuna_trials(f"sqlite:///{db}")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(8))
    assert all(t.state.name == "COMPLETE" for t in trials)
    (retried,) = [t for t in trials if t.user_attrs["index"] == victim]
    assert retried.user_attrs["attempt"] == 2


def test_a_stale_heartbeat_from_another_machine_is_retried(
    tmp_path: Path, tiny_reference: Path
) -> None:
    out = tmp_path / "stale"
    store = SearchStore(f"sqlite:///{out / 'search.db'}", DEFAULT_STUDY)
    store.ensure_study(TINY_CONFIG)
    ghost = store.claim("elsewhere/x|4242|deadbeef", ordered=False, grace=60, max_attempts=3)
    assert ghost.index == 0  # claimed by a machine that then vanished
    store.dispose()
    start = time.monotonic()
    assert run_inprocess([*TINY, "--stream", "per-trial", "--out", str(out), *FAST_HEARTBEAT]) == 0
    assert time.monotonic() - start >= 1.5  # it waited for the grace period
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    assert units(out / "search.db")[0][3] == 2


def test_textbook_study_resumes_after_sigkill(tmp_path: Path) -> None:
    out = tmp_path / "textbook"
    db = out / "search.db"
    args = [*SLOW, "--seed", "3", "--out", str(out)]
    kill_when(start_cli(args), lambda: done_count(db) >= 2)
    assert done_count(db) < 8
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    (x, t), _ = load_mnist(normalize=True)
    with threadpool_limits(1):
        expected = random_search(
            x[:500],
            t[:500],
            trials=8,
            epochs=15,
            hidden=(100, 100, 100),
            rng=np.random.RandomState(3),
        )
    got = trials_json(out)
    assert [(g["lr"], g["val_acc_list"]) for g in got] == [(e.lr, e.val_acc_list) for e in expected]


def test_diverged_trials_are_failed_and_the_study_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = study_trial

    def wild(config, data, index, *args, **kw):  # odd trials get inputs that overflow the net
        if index % 2:
            data = dataclasses.replace(data, x_train=data.x_train.astype(np.float64) * 1e300)
        return real(config, data, index, *args, **kw)

    monkeypatch.setattr(study_worker, "study_trial", wild)
    out = tmp_path / "wild"
    assert run_inprocess([*TINY, "--stream", "per-trial", "--out", str(out)]) == 0
    got = trials_json(out)
    assert [g["state"] for g in got] == ["complete", "failed"] * 4
    for g in got[1::2]:
        assert g["fail_reason"] == "diverged: training loss became nan at step 1 (epoch 1)"
        rs = np.random.RandomState(trial_seed(0, g["number"]))
        assert (g["weight_decay"], g["lr"]) == (10 ** rs.uniform(-8, -4), 10 ** rs.uniform(-6, -2))
        assert len(g["val_acc_list"]) == 1  # stopped at its first step
    trials = optuna_trials(f"sqlite:///{out / 'search.db'}")
    assert sum(t.state.name == "FAIL" for t in trials) == 4
    listed = (out / "best.txt").read_text()
    assert all(f"lr:{g['lr']}," not in listed for g in got[1::2])
    assert all(f"lr:{g['lr']}," in listed for g in got[0::2])


# -- bad input ------------------------------------------------------------------------------


@pytest.fixture()
def silent_port():
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--engine", "jl"], "invalid choice: 'jl'"),
        (["--trials", "0"], "must be a positive integer, got 0"),
        (["--trials", "-3"], "must be a positive integer, got -3"),
        (["--hidden", "20,x"], "expected sizes like 100,100,100"),
        (["--storage", "not a url"], "malformed --storage URL"),
        (["--storage", "nosuchdb://host/db"], "unknown database kind 'nosuchdb'"),
        (["--storage", "postgresql://u@127.0.0.1:{free}/db"], "cannot reach the database"),
        (
            ["--storage", "postgresql://u@127.0.0.1:{silent}/db", "--connect-timeout", "1"],
            "cannot reach the database",
        ),
        (["--workers", "2", "--stream", "textbook"], "textbook stream is one stream"),
        (["--train-size", "5000"], "more than the 4000 training samples"),
    ],
)
def test_bad_input_fails_fast_and_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture, silent_port: int, args: list[str], message: str
) -> None:
    args = [a.format(free=_free_port(), silent=silent_port) for a in args]
    start = time.monotonic()
    try:
        code = run_inprocess([*TINY, "--out", str(tmp_path), *args])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # argparse prints its usage lines before
    assert code == 2
    assert last.startswith("pyref search: error:") and message in last
    assert "Traceback" not in err
    assert elapsed < 10
    assert not (tmp_path / "trials.json").exists()


def test_the_julia_engine_gives_pyref_s_trials(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    request: pytest.FixtureRequest,
    tiny_reference: Path,
) -> None:
    """--engine julia trains in PyRef (julia/src/study/trial.jl) through the bridge: the same
    hyperparameters (exact) and accuracy curves (trajectory bound 0) as pyref, in both
    streams."""
    request.getfixturevalue("julia_exe")  # fails when Julia is required and missing
    per_trial = tmp_path / "per-trial"
    args = [*TINY, "--stream", "per-trial", "--engine", "julia", "--out", str(per_trial)]
    assert run_inprocess(args) == 0
    textbook = tmp_path / "textbook"
    assert run_inprocess([*TINY, "--trials", "3", "--engine", "julia", "--out", str(textbook)]) == 0
    assert run_inprocess([*TINY, "--trials", "3", "--out", str(tmp_path / "py")]) == 0
    for got, expected in (
        (trials_json(per_trial), trials_json(tiny_reference)),
        (trials_json(textbook), trials_json(tmp_path / "py")),
    ):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert (g["lr"], g["weight_decay"]) == (e["lr"], e["weight_decay"])
            assert g["val_acc_list"] == e["val_acc_list"]
            assert g["train_acc_list"] == e["train_acc_list"]


def test_resuming_with_other_settings_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = str(tmp_path / "o")
    assert run_inprocess([*TINY, "--trials", "2", "--out", out]) == 0
    assert run_inprocess([*TINY, "--trials", "2", "--epochs", "5", "--out", out]) == 2
    assert "created with other settings: epochs=4 (now 5)" in capsys.readouterr().err
    # more trials may be added: the first two are kept, not run again
    assert run_inprocess([*TINY, "--trials", "3", "--out", out]) == 0
    assert [u[3] for u in units(tmp_path / "o" / "search.db")] == [1, 1, 1]


# -- search spaces, samplers, pruners ------------------------------------------------------

FOUR_SPACE = (
    "lr=1e-4:1e-1:log,weight_decay=1e-8:1e-4:log,optimizer=sgd|momentum|adam,hidden_layers=1:3"
)
#: TPE and Hyperband over four parameters: 12 trials of 9 epochs, small nets.
LEARN = [
    "--trials",
    "12",
    "--epochs",
    "9",
    "--train-size",
    "250",
    "--hidden",
    "20,20",
    "--space",
    FOUR_SPACE,
    "--sampler",
    "tpe",
    "--pruner",
    "hyperband",
]
#: The same with slower trials (about 0.1 s an epoch), to be killed in the middle.
LEARN_SLOW = [
    "--trials",
    "10",
    "--epochs",
    "9",
    "--train-size",
    "500",
    "--hidden",
    "100,100,100",
    "--space",
    FOUR_SPACE,
    "--sampler",
    "tpe",
    "--pruner",
    "hyperband",
]


def db_rows(db: Path, query: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return list(conn.execute(query))


def kill_a_running_worker(proc: subprocess.Popen, db: Path, query: str) -> int:
    """SIGKILL the worker of a trial that ``query`` (rows: index, worker) finds running
    in ``db``, while it is still on that trial; the trial's index."""

    def running() -> list[tuple]:
        try:
            return db_rows(db, query)
        except sqlite3.OperationalError:  # not created yet
            return []

    while True:
        wait_for(lambda: bool(running()) or proc.poll() is not None)
        assert proc.poll() is None, "the study ended before a worker could be killed"
        index, worker = running()[0]
        pid = int(worker.split("|")[1])
        os.kill(pid, signal.SIGSTOP)  # frozen: it cannot finish the trial behind our back
        if (index, worker) in running():
            os.kill(pid, signal.SIGKILL)  # killed in the middle of trial `index`
            return index
        os.kill(pid, signal.SIGCONT)


def check_learned_study(out: Path, storage: str, name: str, trials: int, epochs: int) -> None:
    """A TPE + pruner study's outputs, its stored epochs and points, and its Optuna
    trials tell one story: each trial once, pruned ones stopped at their stored epoch."""
    import sqlalchemy as sa

    records = trials_json(out)
    assert [r["number"] for r in records] == list(range(trials))
    assert {r["state"] for r in records} <= {"complete", "pruned"}
    for r in records:
        n = len(r["val_acc_list"])
        assert (n == epochs) if r["state"] == "complete" else (1 <= n < epochs), r
        assert r["params"]["lr"] == r["lr"] and r["params"]["weight_decay"] == r["weight_decay"]
    engine = sa.create_engine(storage)
    with engine.connect() as conn:
        epochs_rows = list(
            conn.execute(
                sa.text(
                    "SELECT idx, epoch, val_acc, train_acc, prune FROM pyref_search_epoch "
                    "WHERE study = :s ORDER BY idx, epoch"
                ),
                {"s": name},
            )
        )
        points = dict(
            conn.execute(
                sa.text("SELECT idx, params FROM pyref_search_point WHERE study = :s"), {"s": name}
            ).all()
        )
    engine.dispose()
    for r in records:
        rows = [e for e in epochs_rows if e[0] == r["number"]]
        assert [e[1] for e in rows] == list(range(1, len(r["val_acc_list"]) + 1))
        assert [e[2] for e in rows] == r["val_acc_list"] and [e[3] for e in rows] == r[
            "train_acc_list"
        ]
        assert [e[4] for e in rows] == [0] * (len(rows) - 1) + [int(r["state"] == "pruned")]
        assert json.loads(points[r["number"]]) == r["params"]  # recorded at the claim
    got = optuna_trials(storage, name)
    assert sorted(t.user_attrs["index"] for t in got) == list(range(trials))  # one per trial
    by_index = {t.user_attrs["index"]: t for t in got}
    for r in records:
        t = by_index[r["number"]]
        assert t.state.name == r["state"].upper() and t.params == r["params"]
        assert t.intermediate_values == dict(enumerate(r["val_acc_list"], start=1))
        assert t.value == r["final_val_acc"]


def test_sampler_random_is_today_s_search(tmp_path: Path, tiny_reference: Path) -> None:
    """--sampler random --pruner none over the default space is the search of before:
    each trial is pyref.search.run_trial on its own stream, byte for byte."""
    out = tmp_path / "random"
    args = [*TINY, "--stream", "per-trial", "--sampler", "random", "--pruner", "none"]
    assert run_inprocess([*args, "--out", str(out)]) == 0
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    data = prepare_data(TINY_CONFIG)
    with threadpool_limits(1):
        for rec in trials_json(out):
            rng = np.random.RandomState(trial_seed(0, rec["number"]))
            old = run_trial(
                rec["number"],
                data.x_train,
                data.t_train,
                data.x_val,
                data.t_val,
                4,
                hidden=(20, 20),
                rng=rng,
                stop_on_divergence=True,
            )
            assert (rec["lr"], rec["weight_decay"]) == (old.lr, old.weight_decay)
            assert (rec["val_acc_list"], rec["train_acc_list"]) == (
                old.val_acc_list,
                old.train_acc_list,
            )
            assert "params" not in rec  # the book's space: the record of before


def test_tpe_and_hyperband_with_two_workers(tmp_path: Path) -> None:
    out = tmp_path / "tpe"
    proc = run_cli([*LEARN, "--workers", "2", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    storage = f"sqlite:///{out / 'search.db'}"
    check_learned_study(out, storage, DEFAULT_STUDY, 12, 9)
    records = trials_json(out)
    assert any(r["state"] == "pruned" for r in records)  # Hyperband stopped some
    assert len({(r["lr"], r["params"]["optimizer"]) for r in records}) == 12
    assert len({u[2] for u in units(out / "search.db")}) == 2  # both workers took trials
    summary = json.loads((out / "study.json").read_text())
    assert summary["settings"]["sampler"] == "tpe" and summary["pruned"] >= 1
    for name in ("history.png", "parallel.png", "best20.png"):
        assert (out / name).stat().st_size > 0
    best = (out / "best.txt").read_text().splitlines()[1]
    assert "| optimizer:" in best and "hidden_layers:" in best
    rows = (out / "trials.csv").read_text().splitlines()
    assert rows[0].endswith(",optimizer,hidden_layers")
    assert [r.split(",")[-2:] for r in rows[1:]] == [
        [r["params"]["optimizer"], str(r["params"]["hidden_layers"])] for r in records
    ]
    # optuna-dashboard reads it: states, values and each epoch's accuracy
    from wsgiref.util import setup_testing_defaults

    import optuna_dashboard as dashboard

    app = dashboard.wsgi(storage)
    env: dict = {}
    setup_testing_defaults(env)
    env["PATH_INFO"] = "/api/studies/1"
    shown = json.loads(b"".join(app(env, lambda *a, **k: None)))["trials"]
    by_index = {r["number"]: r for r in records}
    for t in shown:
        (index,) = [a["value"] for a in t["user_attrs"] if a["key"] == "index"]
        r = by_index[int(index)]
        assert t["state"] == r["state"].capitalize() and t["values"] == [r["final_val_acc"]]
        assert [v["value"] for v in t["intermediate_values"]] == r["val_acc_list"]
    # run again: nothing is trained again
    before = units(out / "search.db")
    assert run_cli([*LEARN, "--workers", "2", "--out", str(out)]).returncode == 0
    assert units(out / "search.db") == before


def test_seeded_samplers_are_reproducible_with_one_worker(tmp_path: Path) -> None:
    for sampler in ("tpe", "qmc"):
        args = [*LEARN, "--trials", "8", "--sampler", sampler]
        runs = []
        for name in ("a", "b"):
            assert run_inprocess([*args, "--out", str(tmp_path / f"{sampler}-{name}")]) == 0
            runs.append(trials_json(tmp_path / f"{sampler}-{name}"))
        assert runs[0] == runs[1], sampler
        assert run_inprocess([*args, "--seed", "1", "--out", str(tmp_path / f"{sampler}-c")]) == 0
        assert trials_json(tmp_path / f"{sampler}-c") != runs[0]


def test_tpe_and_hyperband_survive_sigkill(tmp_path: Path) -> None:
    """The launcher and its two workers are killed twice in the middle of trials; the
    trials finished before are kept (not run again), none is lost or recorded twice."""
    out = tmp_path / "killed"
    db = out / "search.db"
    args = [*LEARN_SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT]
    kept: dict[int, tuple] = {}
    for target in (2, 4):
        kill_when(start_cli(args), lambda t=target: mid_trial(db, t))
        rows = db_rows(db, "SELECT idx, state, attempts, result FROM pyref_search_unit")
        assert any(r[1] == "running" for r in rows)  # killed in the middle of trials
        for r in rows:
            if r[1] in ("complete", "pruned"):
                assert kept.setdefault(r[0], r) == r  # finished: never touched again
    assert len(kept) < 10
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    rows = {
        r[0]: r for r in db_rows(db, "SELECT idx, state, attempts, result FROM pyref_search_unit")
    }
    assert all(rows[i] == r for i, r in kept.items())
    check_learned_study(out, f"sqlite:///{db}", DEFAULT_STUDY, 10, 9)


def test_a_killed_worker_of_a_tpe_hyperband_study(tmp_path: Path) -> None:
    """One of two workers is killed in the middle of a trial (after it reported an
    epoch): the other takes the trial over with its recorded point and replayed
    decisions; the study ends with every trial once."""
    out = tmp_path / "one-killed"
    db = out / "search.db"
    proc = start_cli([*LEARN_SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT])
    query = (
        "SELECT u.idx, u.worker FROM pyref_search_unit u JOIN pyref_search_epoch e "
        "ON e.study = u.study AND e.idx = u.idx WHERE u.state = 'running' AND u.idx >= 1"
    )

    victim = kill_a_running_worker(proc, db, query)  # after it reported an epoch
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert {u[0]: u[3] for u in units(db)}[victim] == 2
    check_learned_study(out, f"sqlite:///{db}", DEFAULT_STUDY, 10, 9)


def test_a_retry_samples_in_the_optuna_trial_its_lost_attempt_made(tmp_path: Path) -> None:
    """An attempt killed after creating its Optuna trial, before linking it to the unit:
    the retry takes that trial up (no second Optuna trial for the index), and the point
    it samples is recorded, to be reused by any later attempt."""
    from optuna.trial import TrialState, create_trial

    from pyref.study.space import parse_space

    config = dataclasses.replace(TINY_CONFIG, sampler="tpe", space=parse_space(FOUR_SPACE))
    store = SearchStore(f"sqlite:///{tmp_path / 'search.db'}", DEFAULT_STUDY)
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


def test_a_pruned_trial_is_never_trained_again(tmp_path: Path) -> None:
    """A worker that died after its trial's pruning decision was written but before the
    result was: the retry records the trial from the stored epochs, without training.
    (Marked here by editing the stored accuracy of the pruned epoch: a retrained trial
    would give the real one.)"""
    out = tmp_path / "replay"
    db = out / "search.db"
    args = [*LEARN, "--trials", "8", "--out", str(out)]
    assert run_inprocess(args) == 0
    pruned = [r for r in trials_json(out) if r["state"] == "pruned"]
    assert pruned
    victim = pruned[0]
    last = len(victim["val_acc_list"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE pyref_search_unit SET state = 'running', result = NULL, token = 'x', "
            "worker = ?, heartbeat = ? WHERE idx = ?",
            (f"{this_machine()}|{dead.pid}|dead", time.time(), victim["number"]),
        )
        conn.execute(
            "UPDATE pyref_search_epoch SET val_acc = 0.123 WHERE idx = ? AND epoch = ?",
            (victim["number"], last),
        )
    assert run_inprocess(args) == 0
    (again,) = [r for r in trials_json(out) if r["number"] == victim["number"]]
    assert again["state"] == "pruned" and again["val_acc_list"] == [
        *victim["val_acc_list"][:-1],
        0.123,
    ]
    assert {u[0]: u[3] for u in units(db)}[victim["number"]] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--space", "depth=1:3"], "unknown search parameter 'depth'"),
        (["--space", "lr=1e-3:1e-1,batch_size=30|40"], "search parameter batch_size: give choices"),
        (["--sampler", "grid"], "argument --sampler: invalid choice"),
    ],
)
def test_bad_spaces_and_samplers_fail_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    try:
        code = run_inprocess([*TINY, "--out", str(tmp_path), *args])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and message in err.strip().splitlines()[-1]
    assert not (tmp_path / "search.db").exists()


def test_resuming_with_another_space_or_sampler_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = str(tmp_path / "o")
    args = [*TINY, "--trials", "2", "--stream", "per-trial", "--out", out]
    assert run_inprocess(args) == 0
    assert run_inprocess([*args, "--space", "lr=1e-3:1e-1:log"]) == 2
    err = capsys.readouterr().err
    assert (
        "space='weight_decay=1e-08:0.0001:log, lr=1e-06:0.01:log' (now 'lr=0.001:0.1:log')" in err
    )
    assert run_inprocess([*args, "--sampler", "tpe"]) == 2
    assert "sampler='random' (now 'tpe')" in capsys.readouterr().err


def test_the_julia_engine_trains_every_setting_of_a_space(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Dropout, BatchNorm, Adam, batch size and hidden size drawn per trial, pruned by the
    median pruner epoch by epoch: PyRef gives pyref's trials, curves and pruning."""
    request.getfixturevalue("julia_exe")
    space = (
        "lr=1e-3:1e-1:log,dropout_ratio=0:0.3,optimizer=sgd|adam|momentum,"
        "use_batchnorm=true|false,batch_size=20|40|50,hidden_size=10:30"
    )
    args = [*TINY, "--trials", "10", "--epochs", "6", "--space", space, "--pruner", "median"]
    for engine in ("python", "julia"):
        assert run_inprocess([*args, "--engine", engine, "--out", str(tmp_path / engine)]) == 0
    got, expected = trials_json(tmp_path / "julia"), trials_json(tmp_path / "python")
    assert got == expected
    assert {r["state"] for r in got} == {"complete", "pruned"}
    assert {r["params"]["use_batchnorm"] for r in got} == {True, False}


# -- PostgreSQL -------------------------------------------------------------------------------


def _postgres_bindir() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: [int(s) if s.isdigit() else 0 for s in p.parent.parent.name.split(".")],
    )
    return found[-1].parent if found else None


@pytest.fixture(scope="module")
def postgres():
    """host:port of a throwaway PostgreSQL server on a loopback port, in a temporary directory;
    stopped and removed afterwards. initdb refuses to run as root, so as root the
    server runs as the `postgres` user Debian's package creates (or `nobody`)."""
    required = os.environ.get(REQUIRE_POSTGRES_ENV, "").strip().lower() in ("1", "true", "yes")

    def unavailable(reason: str):
        if required:
            pytest.fail(f"{reason} ({REQUIRE_POSTGRES_ENV}=1, so this is a failure)", pytrace=False)
        pytest.skip(reason)

    bindir = _postgres_bindir()
    if bindir is None:
        unavailable("no PostgreSQL server (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[search]')")
    base = Path(tempfile.mkdtemp(prefix="pyref-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            user, pw = "nobody", pwd.getpwnam("nobody")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    data, log, port = base / "data", base / "server.log", _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "pyref",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        detail = getattr(err, "stderr", "") or ""
        if log.exists():
            detail += log.read_text()[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        unavailable(f"could not start PostgreSQL: {err}: {detail.strip()}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_two_workers_on_postgresql(tmp_path: Path, postgres: str, tiny_reference: Path) -> None:
    postgres_url = f"postgresql://pyref@{postgres}/postgres"  # the CLI picks psycopg
    direct_url = f"postgresql+psycopg://pyref@{postgres}/postgres"  # for optuna here
    out = tmp_path / "pg"
    proc = run_cli(
        [
            *TINY,
            "--workers",
            "2",
            "--storage",
            postgres_url,
            "--study",
            "pg-tiny",
            "--out",
            str(out),
        ]
    )
    assert proc.returncode == 0, proc.stderr
    assert not (out / "search.db").exists()
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    trials = optuna_trials(direct_url, "pg-tiny")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(8))
    assert all(t.state.name == "COMPLETE" for t in trials)
    # two commands at once on one study, as on two machines: nothing runs twice
    args = [
        *TINY,
        "--trials",
        "12",
        "--stream",
        "per-trial",
        "--storage",
        postgres_url,
        "--study",
        "pg-tiny",
    ]
    procs = [start_cli([*args, "--out", str(tmp_path / f"m{i}")]) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    trials = optuna_trials(direct_url, "pg-tiny")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(12))
    first = trials_json(tmp_path / "m0")
    assert first == trials_json(tmp_path / "m1") and len(first) == 12
    assert first[:8] == trials_json(out)


def test_a_worker_from_another_directory_joins_on_postgresql(tmp_path: Path, postgres: str) -> None:
    """`pyref search worker` joins a TPE + Hyperband study on PostgreSQL from another
    working directory, as from a second machine: the study's launcher is killed in the
    middle, the joining worker finishes the study alone, and the launcher's command run
    again writes the outputs. With one worker at a time the study is the one an
    uninterrupted single worker gives (per-trial seeded TPE, points recorded at the
    claim, pruning decisions replayed)."""
    import sqlalchemy as sa

    name = "pg-join"
    url = f"postgresql://pyref@{postgres}/postgres"
    direct = f"postgresql+psycopg://pyref@{postgres}/postgres"
    reference = tmp_path / "reference"
    assert run_inprocess([*LEARN_SLOW, "--study", name, "--out", str(reference)]) == 0
    out = tmp_path / "pg"
    args = [*LEARN_SLOW, "--storage", url, "--study", name, "--out", str(out), *FAST_HEARTBEAT]
    engine = sa.create_engine(direct)

    def finished() -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pyref_search_unit WHERE study = :s AND state IN "
                        "('complete', 'pruned', 'failed')"
                    ),
                    {"s": name},
                ).scalar()
        except sa.exc.SQLAlchemyError:  # not created yet
            return 0

    kill_when(start_cli(args), lambda: finished() >= 3)
    assert finished() < 10
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "search",
            "worker",
            "--storage",
            url,
            "--study",
            name,
            "--no-progress",
            "--heartbeat",
            "0.2",
            "--grace",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(),
        cwd=elsewhere,
    )
    assert worker.returncode == 0, worker.stderr
    assert "joining study 'pg-join'" in worker.stdout and "0 left" in worker.stdout
    assert finished() == 10
    assert list(elsewhere.iterdir()) == []  # a worker writes no outputs
    with engine.connect() as conn:
        workers = {
            r[0].split("|")[1]
            for r in conn.execute(
                sa.text("SELECT worker FROM pyref_search_unit WHERE study = :s"), {"s": name}
            )
        }
    engine.dispose()
    assert len(workers) == 2  # the launcher's worker, then the joining one
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    assert (out / "trials.json").read_bytes() == (reference / "trials.json").read_bytes()
    check_learned_study(out, direct, name, 10, 9)
    # joining a study that does not exist is a clear error
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "search",
            "worker",
            "--storage",
            url,
            "--study",
            "nope",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        cwd=elsewhere,
    )
    assert missing.returncode == 2 and "no study 'nope'" in missing.stderr


def test_tpe_and_hyperband_with_two_workers_on_postgresql(tmp_path: Path, postgres: str) -> None:
    out = tmp_path / "pg-tpe"
    proc = run_cli(
        [
            *LEARN,
            "--workers",
            "2",
            "--storage",
            f"postgresql://pyref@{postgres}/postgres",
            "--study",
            "pg-tpe",
            "--out",
            str(out),
        ]
    )
    assert proc.returncode == 0, proc.stderr
    check_learned_study(out, f"postgresql+psycopg://pyref@{postgres}/postgres", "pg-tpe", 12, 9)
    assert any(r["state"] == "pruned" for r in trials_json(out))
