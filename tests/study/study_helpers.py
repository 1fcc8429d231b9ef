"""What the tests of `pyref search` (pyref.study) share: tiny studies' arguments, the
command run as a user runs it (`python -m pyref.cli search`, what the `pyref` script
calls) or in process, and readers of a study's database and outputs.

Studies are tiny (small nets, few epochs, few trials) so that each test takes seconds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from pyref import cli
from pyref.study.config import DEFAULT_STUDY, SearchConfig

REPO = Path(__file__).resolve().parents[2]

REQUIRE_POSTGRES_ENV = "PYREF_REQUIRE_POSTGRES"

#: A study of seconds: 8 trials of a 784-20-20-10 net, 200 training samples
#: (2 steps an epoch), 50 validation samples, 4 epochs.
TINY = ["--trials", "8", "--epochs", "4", "--train-size", "250", "--hidden", "20,20"]

TINY_CONFIG = SearchConfig(trials=8, epochs=4, train_size=250, hidden=(20, 20), stream="per-trial")

#: Slower trials (about 0.1 s each), so that a study can be killed in the middle.
SLOW = ["--trials", "8", "--epochs", "15", "--train-size", "500", "--hidden", "100,100,100"]

FAST_HEARTBEAT = ["--heartbeat", "0.2", "--grace", "2"]

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


def study_env() -> dict[str, str]:
    """The environment of a command: this checkout first on the path, no display."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "MPLBACKEND": "Agg",
    }


def search_command(args: list[str], progress: bool = False) -> list[str]:
    """`python -m pyref.cli search ARGS`, without the progress bar unless ``progress``."""
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
        search_command(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=study_env(),
        cwd=REPO,
    )


def start_cli(args: list[str], progress: bool = False) -> subprocess.Popen:
    """Start `pyref search ARGS` in its own process group."""
    return subprocess.Popen(
        search_command(args, progress),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=study_env(),
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
