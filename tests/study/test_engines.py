"""One trial of a study, by either engine (pyref.study.engines): the textbook stream is
the book's sequential search, a per-trial stream is the trial seed's, the default
sampler is the book's search, PyRef's trials are pyref's, and a trial that diverges
fails without stopping the study."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from study_helpers import (
    TINY,
    TINY_CONFIG,
    optuna_trials,
    run_inprocess,
    trials_json,
)
from threadpoolctl import threadpool_limits

from pyref.datasets import load_mnist
from pyref.search import random_search, run_trial, trial_seed
from pyref.study import worker as study_worker
from pyref.study.data import prepare_data
from pyref.study.engines import study_trial
from pyref.study.results import trial_record


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
