"""Faults of `pyref search` (pyref.study), each with the behaviour that fixes it.

Studies are tiny (3 trials of a 784-20-10 net, 2 epochs, 250 samples: a few
hundredths of a second each); commands run in this process through `pyref.cli.main`,
as the `pyref` script runs them. The Julia-engine cases use the shared Julia worker
(the ``julia_session`` fixture) and kill it with SIGKILL in the middle of a trial.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest

from pyref import cli
from pyref.study import run as study_run
from pyref.study import worker as study_worker
from pyref.study.config import DEFAULT_STUDY
from pyref.study.engines import study_trial

TINY = ["--trials", "3", "--epochs", "2", "--train-size", "250", "--hidden", "20"]


def search(args: list[str]) -> int:
    return cli.main(["search", "--no-progress", *args])


def trials_json(out: Path) -> list[dict]:
    return json.loads((out / "trials.json").read_text())


def units(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT idx, state, attempts FROM pyref_search_unit ORDER BY idx"))


def optuna_trials(db: Path) -> list:
    import optuna

    return optuna.load_study(study_name=DEFAULT_STUDY, storage=f"sqlite:///{db}").get_trials(
        deepcopy=False
    )


def last_error_line(err: str) -> str:
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


def curves(records: list[dict]) -> list[tuple]:
    return [
        (
            r["number"],
            r["state"],
            r["lr"],
            r["weight_decay"],
            r["val_acc_list"],
            r["train_acc_list"],
        )
        for r in records
    ]


@pytest.fixture(scope="module")
def references(tmp_path_factory) -> dict[str, Path]:
    """The TINY study uninterrupted, in both streams, by the Python engine (whose
    trials the Julia engine reproduces exactly)."""
    out = {}
    for stream in ("per-trial", "textbook"):
        out[stream] = tmp_path_factory.mktemp(f"ref-{stream}")
        assert search([*TINY, "--stream", stream, "--out", str(out[stream])]) == 0
    return out


def kill_julia_in_trial(monkeypatch: pytest.MonkeyPatch, trial: int) -> list[int]:
    """SIGKILL the Julia worker once trial ``trial`` (counted from 0) has started in
    it, before PyRef trains: the call that trains it then finds the worker dead.
    Returns the list the killed pids are appended to. Only the executable bridge has
    a worker process of its own (juliacall's Julia is this process)."""
    from pyref.runtime import session
    from pyref.runtime.exe import ExeSession

    if not isinstance(session(), ExeSession):
        pytest.skip("the Julia worker is a process of its own only with the executable bridge")
    real, calls, killed = ExeSession.use_blas, [], []

    def use_blas_then_kill(session, *args, **kwargs):
        answer = real(session, *args, **kwargs)
        calls.append(1)
        if len(calls) == trial + 1:
            pid = session.info["pid"]
            os.kill(pid, signal.SIGKILL)
            while session.alive:  # dead, and reaped
                time.sleep(0.01)
            killed.append(pid)
        return answer

    monkeypatch.setattr(ExeSession, "use_blas", use_blas_then_kill)
    return killed


# -- H1: a Julia worker killed in a trial is a lost worker, not a failed trial --------


def test_a_killed_julia_worker_s_trial_is_retried(
    julia_session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    references: dict[str, Path],
) -> None:
    out = tmp_path / "julia"
    # Killed in trial 0 (before Julia compiled the trial's code: a faster test).
    killed = kill_julia_in_trial(monkeypatch, trial=0)
    assert search([*TINY, "--stream", "per-trial", "--engine", "julia", "--out", str(out)]) == 0
    assert len(killed) == 1
    assert "Julia worker died during trial 0" in capsys.readouterr().err
    assert curves(trials_json(out)) == curves(trials_json(references["per-trial"]))
    assert units(out / "search.db") == [(0, "complete", 2), (1, "complete", 1), (2, "complete", 1)]
    # One Optuna trial per index, numbered as trials.json, the retried one included.
    trials = optuna_trials(out / "search.db")
    assert [(t.number, t.user_attrs["index"], t.state.name) for t in trials] == [
        (i, i, "COMPLETE") for i in range(3)
    ]
    assert trials[0].user_attrs["attempt"] == 2


def test_a_killed_julia_worker_in_textbook_mode_is_one_error_line(
    julia_session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    out = tmp_path / "julia-textbook"
    args = [*TINY, "--stream", "textbook", "--engine", "julia", "--out", str(out)]
    kill_julia_in_trial(monkeypatch, trial=0)
    assert search(args) == 2
    last = last_error_line(capsys.readouterr().err)
    assert last.startswith("pyref search: error: the Julia worker died during trial 0")
    assert "run the same command again" in last
    # handed back, not failed and not counted as an attempt: a rerun starts it afresh
    assert units(out / "search.db") == [(i, "waiting", 0) for i in range(3)]


# -- M6: the storage URL is not on the workers' command lines -------------------------


def test_workers_get_the_storage_url_in_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = f"sqlite:///{tmp_path / 'secret-name.db'}"
    seen: list[tuple[list[str], int]] = []
    real = subprocess.Popen

    def recording_popen(cmd, *args, **kwargs):
        settings = Path(cmd[-1])
        seen.append((list(cmd), stat.S_IMODE(settings.stat().st_mode)))
        assert json.loads(settings.read_text())["storage"] == storage
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(study_run.subprocess, "Popen", recording_popen)
    args = [*TINY, "--workers", "2", "--storage", storage, "--out", str(tmp_path / "o")]
    assert search(args) == 0
    assert len(seen) == 2
    for cmd, mode in seen:
        assert not any("secret-name" in part for part in cmd), cmd
        assert mode == 0o600
    assert not Path(seen[0][0][-1]).exists()  # removed with the launcher's folder


# -- M9: rejected settings are not stored ---------------------------------------------


def test_a_rejected_study_stores_no_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "o"
    assert search([*TINY, "--train-size", "3", "--out", str(out)]) == 2
    assert "leaves no validation samples" in last_error_line(capsys.readouterr().err)
    # the full MNIST, unusable here: a file that fails its checksum (no network needed)
    data_dir = tmp_path / "mnist"
    data_dir.mkdir()
    (data_dir / "train-images-idx3-ubyte.gz").write_bytes(b"not MNIST")
    monkeypatch.setenv("PYREF_DATA_DIR", str(data_dir))
    assert search([*TINY, "--data", "mnist", "--out", str(out)]) == 2
    last = last_error_line(capsys.readouterr().err)
    assert "fails its checksum" in last
    assert search([*TINY, "--out", str(out)]) == 0  # the corrected command runs
    assert len(trials_json(out)) == 3


# -- L9: an edited database is an error, not silently wrong ---------------------------


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            "UPDATE pyref_search_unit SET state = 'paused' WHERE idx = 1",
            "trial(s) in an unknown state: 1 ('paused')",
        ),
        (
            "UPDATE pyref_search_unit SET result = 'not json' WHERE idx = 2",
            "the stored result of trial 2 is not a JSON object",
        ),
        (
            'UPDATE pyref_search_unit SET result = \'{"lr": 1, "bogus": 2}\' WHERE idx = 0',
            "the stored result of trial 0 is damaged",
        ),
    ],
)
def test_an_edited_study_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture, references: dict[str, Path], edit, message
) -> None:
    out = tmp_path / "o"
    out.mkdir()
    db = out / "search.db"
    db.write_bytes((references["per-trial"] / "search.db").read_bytes())
    with sqlite3.connect(db) as conn:
        conn.execute(edit)
    assert search([*TINY, "--stream", "per-trial", "--out", str(out)]) == 2
    last = last_error_line(capsys.readouterr().err)
    assert last.startswith("pyref search: error:") and message in last


def test_a_damaged_stream_state_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "o"
    args = [*TINY, "--stream", "textbook", "--out", str(out)]
    assert search([*args, "--trials", "2"]) == 0
    with sqlite3.connect(out / "search.db") as conn:
        (text,) = conn.execute("SELECT result FROM pyref_search_unit WHERE idx = 1").fetchone()
        result = json.loads(text)
        result["rng_state"]["key"] = result["rng_state"]["key"][:100]
        conn.execute("UPDATE pyref_search_unit SET result = ? WHERE idx = 1", (json.dumps(result),))
    assert search(args) == 2  # trial 2 starts from the state trial 1 left
    last = last_error_line(capsys.readouterr().err)
    assert "the stored stream state after trial 1 is damaged" in last
    assert [u[1] for u in units(out / "search.db")] == ["complete", "complete", "waiting"]


def test_another_application_s_database_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    before = db.read_bytes()
    args = [*TINY, "--storage", f"sqlite:///{db}", "--out", str(tmp_path / "o")]
    assert search(args) == 2
    last = last_error_line(capsys.readouterr().err)
    assert "holds tables of another application (customers)" in last
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["customers"]
    assert db.read_bytes() == before


# -- L16: interruption, the Optuna mirror, folders -------------------------------------


def test_ctrl_c_writes_what_finished_and_the_mirror_has_one_trial_per_index(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    references: dict[str, Path],
) -> None:
    out = tmp_path / "o"
    args = [*TINY, "--stream", "per-trial", "--out", str(out)]
    real = study_trial

    def ctrl_c_in_trial_2(config, data, index, *a, **kw):
        if index == 2:
            start = kw["on_start"]

            def start_then_ctrl_c(point: dict) -> None:
                start(point)  # the attempt is in the Optuna study now
                os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C does
                time.sleep(5)  # the KeyboardInterrupt lands here

            kw["on_start"] = start_then_ctrl_c
        return real(config, data, index, *a, **kw)

    monkeypatch.setattr(study_worker, "study_trial", ctrl_c_in_trial_2)
    # Python's own Ctrl-C handler, even where the suite was started with SIGINT ignored
    # (as a shell does for a job it puts in the background).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert search(args) == 130
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "the 2 trial(s) finished so far are in" in err
    assert [r["number"] for r in trials_json(out)] == [0, 1]
    states = [t.state.name for t in optuna_trials(out / "search.db")]
    assert states == ["COMPLETE", "COMPLETE", "WAITING"]  # not Running, not an extra Fail
    monkeypatch.undo()
    assert search(args) == 0
    assert trials_json(out) == trials_json(references["per-trial"])
    trials = optuna_trials(out / "search.db")
    assert [(t.number, t.user_attrs["index"], t.state.name) for t in trials] == [
        (i, i, "COMPLETE") for i in range(3)
    ]


def test_a_storage_folder_that_does_not_exist_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    args = [*TINY, "--storage", f"sqlite:///{missing / 'x.db'}", "--out", str(tmp_path / "o")]
    assert search(args) == 2
    last = last_error_line(capsys.readouterr().err)
    assert f"there is no folder {missing}" in last
    assert not (tmp_path / "nonexistent").exists()


def test_an_unusable_out_is_refused_before_any_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    storage = tmp_path / "s.db"
    args = [*TINY, "--storage", f"sqlite:///{storage}", "--out", "/dev/null/out"]
    assert search(args) == 2
    assert "--out /dev/null/out" in last_error_line(capsys.readouterr().err)
    assert not storage.exists()


def test_the_full_mnist_error_speaks_the_command_line_s_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from pyref import datasets

    # No network here or in CI: every mirror fails at once (a closed loopback port).
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ("http://127.0.0.1:9/",))
    monkeypatch.setenv("PYREF_DATA_DIR", str(tmp_path / "mnist"))
    assert search([*TINY, "--data", "mnist", "--out", str(tmp_path / "o")]) == 2
    last = last_error_line(capsys.readouterr().err)
    assert "use --data embedded" in last and "source=" not in last
    with pytest.raises(datasets.MnistUnavailableError, match=r"source='embedded'"):
        datasets.load_mnist(source="mnist")
    assert not (tmp_path / "mnist").exists()  # L7: a failed download creates no folder


# -- stopped by a signal: no worker, Julia or folder outlives it; the rerun resumes ----

SIGNALLED = ["--trials", "4", "--epochs", "2", "--train-size", "250", "--hidden", "20"]


def unit_states(db: Path) -> list[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return [r[0] for r in conn.execute("SELECT state FROM pyref_search_unit")]
    except sqlite3.Error:  # not created yet
        return []


@pytest.fixture(scope="module")
def signalled_reference(tmp_path_factory) -> Path:
    """The SIGNALLED study uninterrupted, per trial, by the Python engine."""
    out = tmp_path_factory.mktemp("ref-signalled")
    assert search([*SIGNALLED, "--stream", "per-trial", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signalled_two_worker_search_leaves_nothing_running_and_resumes(
    julia_exe: Path, tmp_path: Path, signalled_reference: Path, sig: int
) -> None:
    from processes import folders, kill_leftovers, processes_naming, start_pyref, stop, wait_until

    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    args = ["search", "--no-progress", *SIGNALLED, "--workers", "2", "--engine", "julia"]
    args += ["--heartbeat", "0.5", "--grace", "3"]  # a killed worker's trial is retried soon
    args += ["--out", str(out)]
    proc = start_pyref(args, tmp, tmp_path / "log")
    try:
        db = out / "search.db"

        def mid_trial() -> bool:
            states = unit_states(db)
            return "complete" in states and "running" in states

        assert wait_until(lambda: mid_trial() or proc.poll() is not None, 300)
        assert proc.poll() is None, "the study ended before it could be stopped"
        assert len(folders(tmp, "pyref-search-")) == 1 and folders(tmp, "pyref-bridge-")
        code = stop(proc, sig)  # the launcher alone, not its process group
        assert wait_until(lambda: not processes_naming(str(tmp)), 5.0), (
            f"a worker or Julia still running 5 s after {signal.Signals(sig).name}"
        )
        if sig == signal.SIGTERM:
            assert folders(tmp, "pyref-bridge-") == []  # each worker closed its session
            assert code == 143
            err = (tmp_path / "log.err").read_text()
            assert "Traceback" not in err
            assert "trial(s) finished so far are in" in err
            assert err.strip().splitlines()[-1] == (
                "pyref search: terminated (SIGTERM); run the same command again to resume"
            )
            assert trials_json(out)  # what had finished is written
            assert folders(tmp, "pyref-search-") == []
        else:
            assert code == -9
            assert len(folders(tmp, "pyref-search-")) == 1  # nobody was left to remove it
            # (Bridge folders are removed by the keepers, or, if a worker was killed
            # while starting its session, by the next start.)
        rerun = start_pyref(args, tmp, tmp_path / "rerun")
        assert rerun.wait(timeout=600) == 0, (tmp_path / "rerun.err").read_text()[-3000:]
        assert folders(tmp, "pyref-search-") == [] and folders(tmp, "pyref-bridge-") == []
        assert curves(trials_json(out)) == curves(trials_json(signalled_reference))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kill_leftovers(tmp)
