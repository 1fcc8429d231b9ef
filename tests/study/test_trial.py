"""One trial (pyref.study.trial): its record, and its training measurement by
measurement, which is the book's trial for the book's space and stops where a pruner
says."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from pyref.datasets import load_mnist
from pyref.search import run_trial, trial_seed
from pyref.study.results import trial_from_json, trial_record, trial_to_json
from pyref.study.space import DEFAULT_SPACE, trial_settings
from pyref.study.trial import (
    Trial,
    TrialRun,
    finish_trial,
    train_to_next_measurement,
    train_trial,
    trial_trainer,
)


def _data():
    (x, t), _ = load_mnist(normalize=True)
    return x[:120], t[:120], x[120:160], t[120:160]


def _train(settings, rng, epochs=6, on_epoch=None, stop_on_divergence=True):
    """(the run, the epoch it was pruned at, what it gave) of a trial on _data()."""
    trainer = trial_trainer(*_data(), epochs=epochs, rng=rng, **settings)
    run = TrialRun(trainer, rng, stop_on_divergence)
    pruned = train_trial(lambda: train_to_next_measurement(run), on_epoch)
    return run, pruned, finish_trial(run)


def test_epoch_by_epoch_is_the_book_s_trial_for_the_book_s_space() -> None:
    x_tr, t_tr, x_val, t_val = _data()
    expected = run_trial(
        5,
        x_tr,
        t_tr,
        x_val,
        t_val,
        6,
        hidden=(20, 10),
        batch_size=20,
        rng=np.random.RandomState(trial_seed(0, 5)),
        stop_on_divergence=True,
    )
    rng = np.random.RandomState(trial_seed(0, 5))
    point = DEFAULT_SPACE.draw(rng)
    settings = trial_settings(point, hidden=(20, 10), batch_size=20)
    seen = []
    _, pruned, got = _train(
        settings, rng, on_epoch=lambda e, v, t: seen.append((e, v, t)) and False
    )
    assert (point["lr"], point["weight_decay"]) == (expected.lr, expected.weight_decay)
    assert got["val_acc_list"] == expected.val_acc_list
    assert got["train_acc_list"] == expected.train_acc_list
    assert seen == list(zip(range(1, 7), expected.val_acc_list, expected.train_acc_list))
    assert pruned is None and expected.fail_reason is None and expected.state == "complete"


def test_a_pruned_trial_stops_at_its_epoch() -> None:
    settings = trial_settings(
        {"optimizer": "adam", "dropout_ratio": 0.2, "use_batchnorm": True},
        hidden=(20,),
        batch_size=20,
    )
    run, pruned, got = _train(settings, np.random.RandomState(1), on_epoch=lambda e, v, t: e == 2)
    assert pruned == 2 and len(got["val_acc_list"]) == 2
    trainer = run.trainer
    assert trainer.current_iter == trainer.iter_per_epoch + 1  # one step into epoch 2
    assert len(got["train_loss_list"]) == trainer.current_iter


def test_each_call_trains_to_the_next_measurement() -> None:
    settings = trial_settings({}, hidden=(10,), batch_size=40)  # 3 steps an epoch
    rng = np.random.RandomState(3)
    run = TrialRun(trial_trainer(*_data(), epochs=2, rng=rng, **settings), rng)
    steps = [train_to_next_measurement(run) for _ in range(3)]
    assert [s["measured"] for s in steps] == [1, 2, 2]
    assert [s["done"] for s in steps] == [False, False, True]
    assert [run.trainer.current_iter] == [6] and not steps[-1]["nonfinite"]
    assert steps[1]["val_acc"] == run.trainer.test_acc_list[-1]


@pytest.mark.parametrize("stop", [True, False])
def test_a_diverging_trial_stops_or_trains_on(stop: bool) -> None:
    x_tr, t_tr, x_val, t_val = _data()
    settings = trial_settings({}, hidden=(10,), batch_size=40)
    rng = np.random.RandomState(0)
    big = x_tr.astype(np.float64) * 1e300  # the first forward pass overflows
    trainer = trial_trainer(big, t_tr, x_val, t_val, epochs=2, rng=rng, **settings)
    run = TrialRun(trainer, rng, stop)
    calls = []

    def next_measurement():
        calls.append(train_to_next_measurement(run))
        return calls[-1]

    assert train_trial(next_measurement, lambda e, v, t: True) is None  # never asked
    assert run.nonfinite and calls[-1]["nonfinite"] and calls[-1]["done"]
    assert trainer.current_iter == (1 if stop else 6)
    assert len(calls) == (1 if stop else 3)
    assert not math.isfinite(finish_trial(run)["train_loss_list"][0])


def test_the_record_s_state_and_its_json() -> None:
    assert Trial(0, 0.1, 1e-6).state == "complete"
    assert Trial(0, 0.1, 1e-6, fail_reason="diverged").state == "failed"
    pruned = Trial(3, 0.1, 1e-6, [0.5], [0.6], state="pruned", seed=7, params={"lr": 0.1})
    assert trial_from_json(trial_to_json(pruned)) == pruned
    assert list(trial_record(pruned)) == [
        "number",
        "state",
        "lr",
        "weight_decay",
        "seed",
        "val_acc_list",
        "train_acc_list",
        "final_val_acc",
        "final_train_acc",
        "fail_reason",
        "params",
    ]
    assert "params" not in trial_record(dataclasses.replace(pruned, params=None))
    with pytest.raises(TypeError):
        trial_from_json('{"number": 0, "lr": 0.1, "weight_decay": 0.0, "bogus": 1}')
