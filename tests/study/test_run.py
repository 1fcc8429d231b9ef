"""The command (pyref.study.run): bad input fails fast with one line, and resuming a
study with other settings, another space or another sampler is refused."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from study_helpers import (
    TINY,
    free_port,
    run_inprocess,
    units,
)


@pytest.fixture()
def silent_port():
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


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
    args = [a.format(free=free_port(), silent=silent_port) for a in args]
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
