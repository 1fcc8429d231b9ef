"""`pyref search` (pyref.study): claiming, heartbeats, resume, determinism, databases.

Studies here are tiny (small nets, few epochs, few trials) so that the whole file
runs in about a minute. Commands run as `python -m pyref.study`, the same code as
`pyref search`. The PostgreSQL test starts a throwaway server from Debian's
postgresql package; without one it is skipped, unless PYREF_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

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

pytest.importorskip("optuna")
pytest.importorskip("sqlalchemy")

from threadpoolctl import threadpool_limits  # noqa: E402

from pyref import study  # noqa: E402
from pyref.datasets import load_mnist  # noqa: E402
from pyref.search import random_search  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REQUIRE_POSTGRES_ENV = "PYREF_REQUIRE_POSTGRES"

#: A study small enough for seconds: 8 trials of a 784-20-20-10 net.
TINY = ["--trials", "8", "--epochs", "3", "--train-size", "200", "--hidden", "20,20"]
#: Slower trials (~0.2 s each) so that a study can be killed in the middle.
SLOW = ["--trials", "10", "--epochs", "25", "--train-size", "400", "--hidden", "100,100,100"]
FAST_HEARTBEAT = ["--heartbeat", "0.2", "--grace", "2"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


def run_cli(args: list[str], timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `python -m pyref.study ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "pyref.study", "--no-progress", *args],
        capture_output=True, text=True, timeout=timeout, env=_env(), cwd=REPO,
    )  # fmt: skip


def start_cli(args: list[str]) -> subprocess.Popen:
    """Start `python -m pyref.study ARGS` in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "pyref.study", "--no-progress", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=REPO,
        start_new_session=True,
    )  # fmt: skip


def run_inprocess(args: list[str]) -> int:
    return study.main(["--no-progress", *args])


def units(db: Path) -> list[tuple]:
    """(idx, state, worker, attempts) of every unit of the SQLite study ``db``."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return list(conn.execute(
                "SELECT idx, state, worker, attempts FROM pyref_search_unit ORDER BY idx"
            ))  # fmt: skip
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
    return sum(1 for u in units(db) if u[1] in ("complete", "failed"))


def trials_json(out: Path) -> list[dict]:
    return json.loads((out / "trials.json").read_text())


def optuna_trials(storage: str, name: str = study.DEFAULT_STUDY) -> list:
    import optuna

    return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)


# -- references -------------------------------------------------------------------


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


# -- streams ------------------------------------------------------------------------


def test_trial_seed_is_one_documented_formula() -> None:
    assert study.trial_seed(0, 5) == 5
    assert study.trial_seed(7, 3) == 7 * 1_000_003 + 3
    assert study.trial_seed(2**32 - 1, 10) == ((2**32 - 1) * 1_000_003 + 10) % 2**32
    with pytest.raises(ValueError):
        study.trial_seed(-1, 0)
    seeds = {study.trial_seed(123, i) for i in range(10_000)}
    assert len(seeds) == 10_000


def test_textbook_stream_equals_the_sequential_search(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_inprocess([*TINY, "--trials", "5", "--seed", "11", "--out", str(out)]) == 0
    (x, t), _ = load_mnist(normalize=True)
    with threadpool_limits(1):
        expected = random_search(
            x[:200], t[:200], trials=5, epochs=3, hidden=(20, 20), rng=np.random.RandomState(11)
        )
    got = trials_json(out)
    assert [g["number"] for g in got] == list(range(5))
    for e, g in zip(expected, got):
        assert (g["lr"], g["weight_decay"]) == (e.lr, e.weight_decay)
        assert g["val_acc_list"] == e.val_acc_list
        assert g["train_acc_list"] == e.train_acc_list
        assert g["state"] == "complete" and g["seed"] is None
    # the book's listing and the figures are there
    assert (
        (out / "best.txt")
        .read_text()
        .startswith("=========== Hyper-Parameter Optimization Result ===========")
    )
    for name in ("best20.png", "scatter.png", "trials.csv", "study.json", "search.db"):
        assert (out / name).stat().st_size > 0


def test_per_trial_stream_is_the_trial_seeds_stream(tiny_reference: Path) -> None:
    got = trials_json(tiny_reference)
    config = study.SearchConfig(
        trials=8, epochs=3, train_size=200, hidden=(20, 20), stream="per-trial"
    )
    data = study.prepare_data(config)
    with threadpool_limits(1):
        r = study.run_trial(config, data, 3, np.random.RandomState(study.trial_seed(0, 3)))
    assert got[3] == r.to_record()
    rs = np.random.RandomState(study.trial_seed(0, 3))
    assert (r.weight_decay, r.lr) == (10 ** rs.uniform(-8, -4), 10 ** rs.uniform(-6, -2))


def test_results_do_not_depend_on_the_worker_count(tmp_path: Path, tiny_reference: Path) -> None:
    out = tmp_path / "two"
    proc = run_cli([*TINY, "--workers", "2", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    for name in ("trials.json", "trials.csv", "best.txt"):
        assert (out / name).read_bytes() == (tiny_reference / name).read_bytes(), name
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


def test_two_commands_share_one_sqlite_file(tmp_path: Path, tiny_reference: Path) -> None:
    out = tmp_path / "shared"
    args = [*TINY, "--stream", "per-trial", "--out", str(out)]
    procs = [start_cli(args), start_cli(args)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    assert [u[3] for u in units(out / "search.db")] == [1] * 8
    assert len(optuna_trials(f"sqlite:///{out / 'search.db'}")) == 8


def test_claims_are_exclusive_under_contention(tmp_path: Path) -> None:
    """Many threads, each with its own connection pool, race to claim 60 trials."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    config = study.SearchConfig(trials=60, stream="per-trial")
    study.SearchStore(url, "race").ensure_study(config)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        store = study.SearchStore(url, "race")
        me = study.worker_id()
        while True:
            c = store.claim(me, ordered=False, grace=60, max_attempts=3)
            if c == "done":
                return
            if c == "wait":
                time.sleep(0.01)
                continue
            with lock:
                claimed.append(c.index)
            result = study.TrialResult(c.index, 1e-3, 1e-6, None, "complete", [0.5], [0.5])
            assert store.finish(c, result)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert sorted(claimed) == list(range(60))


# -- failures, heartbeats, resume -----------------------------------------------------


def test_a_killed_study_resumes_to_the_same_results(tmp_path: Path, slow_reference: Path) -> None:
    out = tmp_path / "killed"
    db = out / "search.db"
    args = [*SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT]
    proc = start_cli(args)
    try:
        wait_for(lambda: done_count(db) >= 2 or proc.poll() is not None)
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher and both workers
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    time.sleep(0.5)
    before = units(db)
    assert 0 < sum(u[1] == "complete" for u in before) < 10, before
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    assert (out / "trials.json").read_bytes() == (slow_reference / "trials.json").read_bytes()
    rows = units(db)
    assert all(u[1] == "complete" for u in rows)
    assert not (out / "best20.png.tmp").exists()


def test_a_killed_worker_s_trial_is_retried(tmp_path: Path, slow_reference: Path) -> None:
    out = tmp_path / "one-killed"
    db = out / "search.db"
    proc = start_cli([*SLOW, "--workers", "2", "--out", str(out), *FAST_HEARTBEAT])
    query = (
        "SELECT idx, worker FROM pyref_search_unit WHERE state = 'running' AND idx >= 1 "
        "AND optuna_trial_id IS NOT NULL"
    )

    def running() -> list[tuple]:  # trials in training, with their Optuna attempt recorded
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
                return list(conn.execute(query))
        except sqlite3.OperationalError:  # not created yet
            return []

    victim = None
    while victim is None:
        wait_for(lambda: bool(running()) or proc.poll() is not None)
        assert proc.poll() is None, "the study ended before a worker could be killed"
        index, worker = running()[0]
        pid = int(worker.split("|")[1])
        os.kill(pid, signal.SIGSTOP)  # frozen: it cannot finish the trial behind our back
        if (index, worker) in running():
            os.kill(pid, signal.SIGKILL)  # killed in the middle of trial `index`
            victim = index
        else:
            os.kill(pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "exited abnormally" in err
    assert (out / "trials.json").read_bytes() == (slow_reference / "trials.json").read_bytes()
    attempts = {u[0]: u[3] for u in units(db)}
    assert attempts[victim] == 2 and sum(attempts.values()) == 11
    trials = optuna_trials(f"sqlite:///{db}")
    lost = [t for t in trials if t.user_attrs["index"] == victim and t.state.name == "FAIL"]
    assert len(lost) == 1 and "worker lost" in lost[0].user_attrs["fail_reason"]
    assert sum(t.state.name == "COMPLETE" for t in trials) == 10


def test_a_stale_heartbeat_from_another_host_is_retried(
    tmp_path: Path, tiny_reference: Path
) -> None:
    out = tmp_path / "stale"
    url = f"sqlite:///{out / 'search.db'}"
    config = study.SearchConfig(
        trials=8, epochs=3, train_size=200, hidden=(20, 20), stream="per-trial"
    )
    store = study.SearchStore(url, study.DEFAULT_STUDY)
    store.ensure_study(config)
    ghost = store.claim("elsewhere|4242|deadbeef", ordered=False, grace=60, max_attempts=3)
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
    args = [*SLOW, "--trials", "8", "--seed", "3", "--out", str(out)]
    proc = start_cli(args)
    try:
        wait_for(lambda: done_count(db) >= 2 or proc.poll() is not None)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert done_count(db) < 8
    again = run_cli(args)
    assert again.returncode == 0, again.stderr
    (x, t), _ = load_mnist(normalize=True)
    with threadpool_limits(1):
        expected = random_search(
            x[:400], t[:400], trials=8, epochs=25, hidden=(100, 100, 100),
            rng=np.random.RandomState(3),
        )  # fmt: skip
    got = trials_json(out)
    assert [(g["lr"], g["val_acc_list"]) for g in got] == [(e.lr, e.val_acc_list) for e in expected]


def test_diverged_trials_are_failed_and_the_study_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train = study._train_trial_python

    def wild(x_train, t_train, x_val, t_val, lr, weight_decay, epochs, **kw):
        # trials with lr > 1e-4 train with 1e100 times that: their weights blow up
        lr = lr * 1e100 if lr > 1e-4 else lr
        return train(x_train, t_train, x_val, t_val, lr, weight_decay, epochs, **kw)

    monkeypatch.setattr(study, "_train_trial_python", wild)
    out = tmp_path / "wild"
    assert run_inprocess([*TINY, "--stream", "per-trial", "--out", str(out)]) == 0
    got = trials_json(out)
    failed = [g for g in got if g["state"] == "failed"]
    assert failed and len(failed) < len(got)
    assert all(g["fail_reason"].startswith("diverged: training loss became") for g in failed)
    trials = optuna_trials(f"sqlite:///{out / 'search.db'}")
    assert sum(t.state.name == "FAIL" for t in trials) == len(failed)
    listed = (out / "best.txt").read_text()
    assert all(f"lr:{g['lr']}," not in listed for g in failed)


def test_diverging_training_is_detected() -> None:
    rs = np.random.RandomState(0)
    x = rs.rand(40, 12).astype(np.float32)
    t = rs.randint(0, 10, 40)
    outcome = study._train_trial_python(
        x, t, x[:10], t[:10], 1e100, 0.0, 5, hidden=(8,), batch_size=10,
        rng=np.random.RandomState(1), stop_on_divergence=True,
    )  # fmt: skip
    assert outcome.fail_reason and "diverged" in outcome.fail_reason


# -- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--engine", "jl"], "invalid choice: 'jl'"),
        (["--trials", "0"], "must be a positive integer"),
        (["--trials", "-3"], "must be a positive integer"),
        (["--storage", "not a url"], "malformed --storage URL"),
        (["--storage", "nosuchdb://host/db"], "unknown database kind"),
        (["--storage", "postgresql+psycopg2://u@127.0.0.1:1/db"], "cannot reach the database"),
        (["--storage", "postgresql+psycopg2://u@10.255.255.1:5432/db", "--connect-timeout", "1"],
         "cannot reach the database"),
        (["--workers", "2", "--stream", "textbook"], "--stream textbook is one stream"),
        (["--engine", "julia"], "--engine julia runs per-trial streams only"),
    ],
)  # fmt: skip
def test_bad_input_fails_fast_and_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    start = time.monotonic()
    try:
        code = run_inprocess([*TINY, "--out", str(tmp_path), *args])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    elapsed = time.monotonic() - start
    assert code == 2
    assert message in capsys.readouterr().err
    assert elapsed < 10
    assert not (tmp_path / "trials.json").exists()


def test_resuming_with_other_settings_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = str(tmp_path / "o")
    assert run_inprocess([*TINY, "--trials", "2", "--out", out]) == 0
    assert run_inprocess([*TINY, "--trials", "2", "--epochs", "4", "--out", out]) == 2
    err = capsys.readouterr().err
    assert "created with other settings: epochs=3 (now 4)" in err


# -- PostgreSQL ---------------------------------------------------------------------


def _postgres_bindir() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: [int(s) if s.isdigit() else 0 for s in p.parent.parent.name.split(".")],
    )
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server on a loopback port; stopped afterwards.

    initdb refuses to run as root, so as root the server runs as the `postgres`
    user that Debian's package creates (or `nobody`), through runuser.
    """
    required = os.environ.get(REQUIRE_POSTGRES_ENV, "").strip().lower() in ("1", "true", "yes")

    def unavailable(reason: str):
        if required:
            pytest.fail(f"{reason} ({REQUIRE_POSTGRES_ENV}=1, so this is a failure)", pytrace=False)
        pytest.skip(reason)

    bindir = _postgres_bindir()
    if bindir is None:
        unavailable("no PostgreSQL server (apt-get install postgresql)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        unavailable("psycopg2 is not installed (pip install psycopg2-binary)")
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
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "pyref", "--auth=trust",
             "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
             "-w", "-t", "60", "start"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        detail = getattr(err, "stderr", "") or ""
        if log.exists():
            detail += log.read_text()[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        unavailable(f"could not start PostgreSQL: {err}: {detail.strip()}")
    try:
        yield f"postgresql+psycopg2://pyref@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def test_two_workers_on_postgresql(tmp_path: Path, postgres_url: str, tiny_reference: Path) -> None:
    out = tmp_path / "pg"
    proc = run_cli([*TINY, "--workers", "2", "--storage", postgres_url, "--study", "pg-tiny",
                    "--out", str(out)])  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not (out / "search.db").exists()
    assert (out / "trials.json").read_bytes() == (tiny_reference / "trials.json").read_bytes()
    trials = optuna_trials(postgres_url, "pg-tiny")
    assert sorted(t.user_attrs["index"] for t in trials) == list(range(8))
    assert all(t.state.name == "COMPLETE" for t in trials)
    # a second command on the same study finds it finished and writes the same files
    again = run_inprocess([*TINY, "--stream", "per-trial", "--storage", postgres_url,
                           "--study", "pg-tiny", "--out", str(tmp_path / "pg2")])  # fmt: skip
    assert again == 0
    assert (tmp_path / "pg2" / "trials.json").read_bytes() == (out / "trials.json").read_bytes()
    assert len(optuna_trials(postgres_url, "pg-tiny")) == 8
