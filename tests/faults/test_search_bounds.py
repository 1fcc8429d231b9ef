"""Bounds and up-front checks of `pyref search` and `pyref bench`, grouped by the
module that owns each: a study's limits (pyref.study.config), the space
(pyref.study.space), a trial's net (pyref.study.trial and its Julia twin), the
database (pyref.study.claims: trial rows made as they are claimed, files made only
when the study is stored), the output folder (pyref.study.outputs), and the
benchmarks' arguments (pyref.bench). Each refusal is one line naming the argument,
exit 2, and leaves nothing behind.

Studies are tiny (a 784-20-10 net, 2 epochs, 250 samples), run in this process
through `pyref.cli.main` as in test_search_faults.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyref import cli
from pyref.study import claims as study_claims
from pyref.study.claims import UNIT_BATCH, ClaimStore
from pyref.study.config import (
    MAX_EPOCHS,
    MAX_TRAIN_SIZE,
    MAX_TRIALS,
    MAX_WORKERS,
    SearchConfig,
)
from pyref.study.errors import SearchError
from pyref.study.space import SpaceError, parse_space
from pyref.study.trial import MAX_HIDDEN_LAYERS, MAX_NET_WEIGHTS, check_trial_net

TINY = ["--trials", "3", "--epochs", "2", "--train-size", "250", "--hidden", "20"]
ROOT = Path(__file__).resolve().parents[2]


def search(args: list[str]) -> int:
    return cli.main(["search", "--no-progress", *args])


def refused(capsys: pytest.CaptureFixture, args: list[str], command: str = "search") -> str:
    """Run ``pyref <command> args``, expect exit 2 (from the command or from argparse)
    and return its last stderr line, which must be the command's error line."""
    try:
        code = cli.main([command, *args])
    except SystemExit as stop:  # argparse: usage, then the error line
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert re.match(rf"pyref {command}( worker)?: error: ", last), last
    return last


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")) if folder.exists() else []


def trials_json(out: Path) -> list[dict]:
    return json.loads((out / "trials.json").read_text())


def unit_rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT idx, state FROM pyref_search_unit ORDER BY idx"))


# -- pyref.study.config: a study's limits, before anything is stored ------------------


@pytest.mark.parametrize(
    "flag, limit",
    [
        ("--trials", MAX_TRIALS),
        ("--epochs", MAX_EPOCHS),
        ("--train-size", MAX_TRAIN_SIZE),
        ("--workers", MAX_WORKERS),
    ],
)
def test_a_count_over_its_limit_is_refused_before_anything_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture, flag: str, limit: int
) -> None:
    out = tmp_path / "o"
    for value in (limit + 1, 10**9, 99999999999999999999):  # the last one hung the old loop
        last = refused(capsys, [flag, str(value), "--out", str(out)])
        assert f"argument {flag}: must be at most {limit:,}, got {value:,}" in last
    assert not out.exists()


def test_the_api_has_the_same_limits() -> None:
    for name, limit in (("trials", MAX_TRIALS), ("epochs", MAX_EPOCHS)):
        SearchConfig(**{name: limit})  # the limit itself is allowed
        with pytest.raises(SearchError, match=rf"{name} must be at most {limit:,}, got"):
            SearchConfig(**{name: limit + 1})
    with pytest.raises(SearchError, match="train_size must be at most"):
        SearchConfig(train_size=MAX_TRAIN_SIZE + 1)
    from pyref.study.run import run_search

    with pytest.raises(SearchError, match=f"workers must be at most {MAX_WORKERS}"):
        run_search(SearchConfig(stream="per-trial"), workers=MAX_WORKERS + 1)


def test_a_new_study_that_fails_its_checks_creates_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "o"
    # more samples than the embedded data has: found when the data load
    last = refused(capsys, [*TINY, "--train-size", "5000", "--out", str(out)])
    assert "more than the 4000 training samples" in last
    assert not out.exists()  # no folder, no search.db
    db = tmp_path / "elsewhere.db"
    refused(capsys, [*TINY, "--train-size", "5000", "--storage", f"sqlite:///{db}"])
    assert files_under(tmp_path) == []


# -- pyref.study.space: what --space accepts -------------------------------------------


@pytest.mark.parametrize(
    "space, message",
    [
        ("lr=1e-4:inf", "search parameter lr: high inf must be finite"),
        ("lr=nan:1e-1", "search parameter lr: low nan must be finite"),
        ("weight_decay=0:inf:log", "search parameter weight_decay: high inf must be finite"),
        ("dropout_ratio=0|nan", "search parameter dropout_ratio: choice nan must be finite"),
        ("hidden_size=10:inf", "search parameter hidden_size: high inf must be finite"),
    ],
)
def test_non_finite_bounds_are_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture, space: str, message: str
) -> None:
    last = refused(capsys, [*TINY, "--space", space, "--out", str(tmp_path / "o")])
    assert last.endswith(message)
    assert not (tmp_path / "o").exists()


def test_non_finite_bounds_in_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "space.toml"
    path.write_text("[lr]\nlow = 1e-4\nhigh = inf\nlog = true\n")
    with pytest.raises(SpaceError, match="search parameter lr: high inf must be finite"):
        parse_space(str(path))


def test_a_space_file_that_is_not_toml_is_named_with_the_accepted_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    json_file = tmp_path / "space.json"
    json_file.write_text(json.dumps({"lr": {"low": 1e-4, "high": 1e-1}}))
    out = tmp_path / "o"
    last = refused(capsys, [*TINY, "--space", str(json_file), "--out", str(out)])
    assert f"--space {json_file}: a .json file is not a space" in last
    assert "a .toml file" in last and "name=low:high" in last
    missing = tmp_path / "nosuch.json"
    last = refused(capsys, [*TINY, "--space", str(missing), "--out", str(out)])
    assert f"--space {missing}: there is no such file" in last and "a .toml file" in last
    # a word without '=' is still read as a malformed item
    assert "expected name=low:high" in refused(capsys, [*TINY, "--space", "lr", "--out", str(out)])
    assert not out.exists()


# -- pyref.study.trial: a trial's net is bounded before it is built ---------------------


def test_check_trial_net_counts_weights_and_refuses_big_nets() -> None:
    assert check_trial_net(784, [100] * 6) == 784 * 100 + 100 + 5 * (100 * 100 + 100) + 1010
    assert check_trial_net(784, [1] * MAX_HIDDEN_LAYERS) > 0
    with pytest.raises(ValueError, match=r"784-100000x2-10 has 10,079,600,010 weights"):
        check_trial_net(784, [100_000, 100_000])
    with pytest.raises(ValueError, match=f"more than MAX_HIDDEN_LAYERS = {MAX_HIDDEN_LAYERS}"):
        check_trial_net(784, [1] * (MAX_HIDDEN_LAYERS + 1))
    with pytest.raises(ValueError, match="at least one layer"):
        check_trial_net(784, [])


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--space", "hidden_size=10:1000000"],
            "search parameter hidden_size: the largest net of the space is too big: "
            "the net 784-1000000x1-10 has",
        ),
        (
            ["--space", "hidden_size=1000|20000,hidden_layers=1:3"],
            "search parameter hidden_size and hidden_layers: the largest net of the space "
            "is too big: the net 784-20000x3-10 has 815,940,010 weights",
        ),
        (
            ["--space", "hidden_layers=1:1000"],
            f"search parameter hidden_layers: 1,000 hidden layers are more than "
            f"MAX_HIDDEN_LAYERS = {MAX_HIDDEN_LAYERS}",
        ),
        (
            ["--hidden", "1000000,1000000"],
            f"hidden: the net 784-1000000x2-10 has 1,000,796,000,010 weights, more than "
            f"MAX_NET_WEIGHTS = {MAX_NET_WEIGHTS:,}",
        ),
    ],
)
def test_a_space_whose_nets_cannot_be_built_is_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    out = tmp_path / "o"
    last = refused(capsys, [*TINY, *args, "--stream", "per-trial", "--out", str(out)])
    assert message in last
    assert not out.exists()


def test_both_languages_bound_the_net_alike(julia_session) -> None:
    from pyref.runtime.session import JuliaArgumentError

    assert julia_session.call("PyRef.check_trial_net", 784, np.array([100] * 6)) == (
        check_trial_net(784, [100] * 6)
    )
    with pytest.raises(ValueError) as py_err:
        check_trial_net(784, [100_000, 100_000])
    with pytest.raises(JuliaArgumentError) as jl_err:
        julia_session.call("PyRef.check_trial_net", 784, np.array([100_000, 100_000]))
    assert str(py_err.value) in str(jl_err.value)


def _run_with_memory_headroom(args: list[str], headroom: int) -> subprocess.CompletedProcess:
    """`pyref search args` in a child whose address space may grow ``headroom`` bytes
    beyond what it holds once pyref's search is imported and BLAS has run."""
    code = (
        "import resource, sys\n"
        "import numpy as np, pyref.cli, pyref.study.run, pyref.study.claims\n"
        "np.ones((256, 256)) @ np.ones((256, 256))  # OpenBLAS's buffers, made at first use\n"
        "size = [l for l in open('/proc/self/status') if l.startswith('VmSize')][0]\n"
        f"limit = int(size.split()[1]) * 1024 + {headroom}\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "sys.exit(pyref.cli.main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, "search", "--no-progress", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_net_under_the_limit_that_memory_cannot_hold(tmp_path: Path) -> None:
    """A 784-9000x2-10 net (88 million weights, under the limit) with 400 MB to spare:
    a per-trial study records the trials as failed with the reason; the textbook
    stream stops with one line, exit 2, and hands the trial back."""
    args = ["--trials", "2", "--epochs", "1", "--train-size", "250", "--hidden", "9000,9000"]
    out = tmp_path / "per-trial"
    proc = _run_with_memory_headroom([*args, "--stream", "per-trial", "--out", str(out)], 400 << 20)
    assert proc.returncode == 0, proc.stderr
    reasons = [r["fail_reason"] for r in trials_json(out)]
    assert len(reasons) == 2 and all(r.startswith("error: MemoryError") for r in reasons), reasons
    out = tmp_path / "textbook"
    proc = _run_with_memory_headroom([*args, "--stream", "textbook", "--out", str(out)], 400 << 20)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("pyref search: error: trial 0 ran out of memory")
    assert "run the same command again" in last
    assert [s for _, s in unit_rows(out / "search.db")] == ["waiting", "waiting"]


# -- pyref.study.claims: rows as trials are claimed, files only when stored --------------


def test_a_study_s_rows_are_made_as_its_trials_are_claimed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    store = ClaimStore(url, "big")
    try:
        config = store.ensure_study(SearchConfig(trials=MAX_TRIALS, stream="per-trial"))
        assert config.trials == MAX_TRIALS
        assert unit_rows(tmp_path / "big.db") == []  # planned, not made
        counts = store.counts()
        assert counts["waiting"] == MAX_TRIALS and counts["running"] == 0
        claim = store.claim("here|1|a", ordered=False, grace=60, max_attempts=3)
        assert claim.index == 0
        assert len(unit_rows(tmp_path / "big.db")) == UNIT_BATCH
        counts = store.counts()
        assert (counts["waiting"], counts["running"]) == (MAX_TRIALS - 1, 1)
    finally:
        store.dispose()


@pytest.mark.parametrize("stream", ["textbook", "per-trial"])
def test_rows_made_a_few_at_a_time_give_the_same_study(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: str
) -> None:
    """Rows made two at a time, the study grown from 3 to 5 trials and resumed: the
    same trials.json, byte for byte, as 5 trials with every row made at once."""
    ref = tmp_path / "ref"
    assert search([*TINY, "--trials", "5", "--stream", stream, "--out", str(ref)]) == 0
    monkeypatch.setattr(study_claims, "UNIT_BATCH", 2)
    out = tmp_path / "batched"
    assert search([*TINY, "--stream", stream, "--out", str(out)]) == 0
    assert [i for i, _ in unit_rows(out / "search.db")] == [0, 1, 2]  # made 2, then 1
    assert search([*TINY, "--trials", "5", "--stream", stream, "--out", str(out)]) == 0
    assert (out / "trials.json").read_bytes() == (ref / "trials.json").read_bytes()
    assert unit_rows(out / "search.db") == [(i, "complete") for i in range(5)]


def test_a_study_with_every_row_made_up_front_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A study stored with a row for each trial (as pyref once did), some of them still
    waiting, and more rows than its stored trials: all of them are run."""
    ref = tmp_path / "ref"
    assert search([*TINY, "--trials", "5", "--stream", "per-trial", "--out", str(ref)]) == 0
    out = tmp_path / "old"
    assert search([*TINY, "--trials", "2", "--stream", "per-trial", "--out", str(out)]) == 0
    with sqlite3.connect(out / "search.db") as conn:
        conn.executemany(
            "INSERT INTO pyref_search_unit (study, idx, state, version, attempts) "
            "VALUES ('pyref-search', ?, 'waiting', 0, 0)",
            [(i,) for i in range(2, 5)],
        )
    capsys.readouterr()
    assert search([*TINY, "--stream", "per-trial", "--out", str(out)]) == 0
    assert "already has 5 trials; running all of them" in capsys.readouterr().err
    assert (out / "trials.json").read_bytes() == (ref / "trials.json").read_bytes()


def test_a_joining_worker_creates_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = tmp_path / "nosuch.db"
    last = refused(capsys, ["worker", "--storage", f"sqlite:///{db}", "--no-progress"])
    assert f"no study 'pyref-search' in sqlite:///{db}: there is no file {db}" in last
    assert files_under(tmp_path) == []  # no file, no -wal or -shm


@contextlib.contextmanager
def read_only(path: Path):
    """``path`` read-only for this process: chmod for a user, the immutable attribute
    for root (whom permissions do not stop); skips where neither is possible."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    try:
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"root, and chattr +i is not possible here: {err}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True, capture_output=True)


def test_a_read_only_database_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "o"
    assert search([*TINY, "--trials", "2", "--out", str(out)]) == 0
    db = out / "search.db"
    before = db.read_bytes()
    with read_only(db):
        last = refused(capsys, [*TINY, "--out", str(out)])
        assert f"the database {db} is read-only" in last
        last = refused(capsys, ["worker", "--storage", f"sqlite:///{db}", "--no-progress"])
        assert f"the database {db} is read-only" in last
    assert db.read_bytes() == before
    assert unit_rows(db) == [(0, "complete"), (1, "complete")]


# -- pyref.study.outputs: --out proven writable before any work ------------------------


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_an_out_that_cannot_be_written_is_refused_before_any_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = tmp_path / "s.db"
    args = [*TINY, "--storage", f"sqlite:///{db}", "--out", "/proc/pyref-no-such-out"]
    last = refused(capsys, args)
    assert "--out /proc/pyref-no-such-out: cannot write in /proc" in last
    assert not db.exists()  # no trial ran, nothing was stored


def test_a_writable_out_is_proven_without_leaving_anything(tmp_path: Path) -> None:
    from pyref.study.outputs import check_out

    assert check_out(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert files_under(tmp_path) == []  # the probe file is gone, no folder made


# -- pyref.bench: --book and --json checked before any work ----------------------------


def test_bench_checks_book_and_json_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    last = refused(capsys, ["--only", "convnet", "--book", "/nosuch"], "bench")
    assert last == "pyref bench: error: --book /nosuch: there is no folder /nosuch"
    last = refused(capsys, ["--only", "convnet", "--book", str(tmp_path)], "bench")
    assert "not a checkout of deep-learning-from-scratch (no ch07/simple_convnet.py" in last
    last = refused(capsys, ["--only", "step", "--book", str(tmp_path)], "bench")
    assert "--book times the book's SimpleConvNet (convnet section) and DeepConvNet" in last
    last = refused(capsys, ["--only", "step", "--json", str(tmp_path)], "bench")
    assert last == f"pyref bench: error: --json {tmp_path} is a folder, not a file"
    assert files_under(tmp_path) == []
