"""Random hyperparameter search: the book's draw order, ranking and listing."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.nets import MultiLayerNet
from pyref.search import (
    best_n,
    format_best,
    random_search,
    run_trial,
    sample_hyperparameters,
    trial_seed,
)
from pyref.study.trial import Trial, divergence_reason
from pyref.trainer import Trainer


def test_sample_draws_weight_decay_then_lr_from_the_book_ranges() -> None:
    np.random.seed(42)
    wd, lr = sample_hyperparameters()
    np.random.seed(42)
    assert wd == 10 ** np.random.uniform(-8, -4)
    assert lr == 10 ** np.random.uniform(-6, -2)
    rs = np.random.RandomState(0)
    for _ in range(200):
        wd, lr = sample_hyperparameters(rs)
        assert 1e-8 <= wd <= 1e-4 and 1e-6 <= lr <= 1e-2


def test_random_search_repeats_the_book_script() -> None:
    rs = np.random.RandomState(0)
    x = rs.rand(50, 12).astype(np.float32)
    t = rs.randint(0, 10, 50).astype(np.uint8)
    np.random.seed(7)
    found = random_search(x, t, trials=3, epochs=2, hidden=(6, 6))
    # The book's script with the same seed: shuffle, split 20 %, then per trial wd, lr, train.
    np.random.seed(7)
    perm = np.random.permutation(50)
    xs, ts = x[perm], t[perm]
    x_val, t_val, x_tr, t_tr = xs[:10], ts[:10], xs[10:], ts[10:]
    for trial in found:
        wd = 10 ** np.random.uniform(-8, -4)
        lr = 10 ** np.random.uniform(-6, -2)
        net = MultiLayerNet(12, [6, 6], 10, weight_decay_lambda=wd)
        tr = Trainer(
            net,
            x_tr,
            t_tr,
            x_val,
            t_val,
            epochs=2,
            mini_batch_size=100,
            optimizer="sgd",
            optimizer_param={"lr": lr},
            verbose=False,
        )
        tr.train()
        assert (trial.weight_decay, trial.lr) == (wd, lr)
        assert trial.val_acc_list == tr.test_acc_list
        assert trial.train_acc_list == tr.train_acc_list


def test_best_n_is_stable_and_listing_has_the_book_format() -> None:
    trials = [
        Trial(i, 0.001 * (i + 1), 1e-6, [0.1, acc], [0.1, acc])
        for i, acc in enumerate([0.5, 0.9, 0.5, 0.9, 0.2])
    ]
    order = [tr.number for tr in best_n(trials, 4)]
    assert order == [1, 3, 0, 2]
    text = format_best(trials, 2)
    assert text.splitlines()[1] == "Best-1(val acc:0.9) | lr:0.002, weight decay:1e-06"
    assert trials[0].to_dict()["final_val_acc"] == 0.5


def test_a_trial_without_accuracies_has_none_and_ranks_last() -> None:
    """No measurement: None (JSON null), as pyref.study's records say it, not NaN."""
    empty = Trial(0, 0.01, 1e-6, [], [], "diverged")
    trials = [empty, Trial(1, 0.01, 1e-6, [0.0], [0.0])]
    assert empty.final_val_acc is None and empty.to_dict()["final_val_acc"] is None
    assert empty.to_dict()["final_train_acc"] is None
    assert [tr.number for tr in best_n(trials, 2)] == [1, 0]


def test_trial_seed_is_one_documented_formula() -> None:
    assert trial_seed(0, 5) == 5
    assert trial_seed(7, 3) == 7 * 1_000_003 + 3
    assert trial_seed(2**32 - 1, 10) == ((2**32 - 1) * 1_000_003 + 10) % 2**32
    assert len({trial_seed(123, i) for i in range(10_000)}) == 10_000
    for bad, error in (
        ((-1, 0), ValueError),
        ((2**32, 0), ValueError),
        ((0, -1), ValueError),
        ((0.5, 0), TypeError),
        ((0, True), TypeError),
    ):
        with pytest.raises(error, match="seed|index"):
            trial_seed(*bad)


def test_run_trial_is_the_book_s_training_after_the_draws() -> None:
    rs = np.random.RandomState(0)
    x = rs.rand(50, 12).astype(np.float32)
    t = rs.randint(0, 10, 50).astype(np.uint8)
    seen = []
    trial = run_trial(
        4,
        x[10:],
        t[10:],
        x[:10],
        t[:10],
        3,
        hidden=(6, 6),
        batch_size=8,
        rng=np.random.RandomState(9),
        on_start=lambda lr, wd: seen.append((lr, wd)),
    )
    rng = np.random.RandomState(9)
    wd, lr = sample_hyperparameters(rng)
    net = MultiLayerNet(12, [6, 6], 10, weight_decay_lambda=wd, rng=rng)
    tr = Trainer(
        net,
        x[10:],
        t[10:],
        x[:10],
        t[:10],
        epochs=3,
        mini_batch_size=8,
        optimizer="sgd",
        optimizer_param={"lr": lr},
        verbose=False,
        rng=rng,
    )
    tr.train()
    assert (trial.number, trial.weight_decay, trial.lr) == (4, wd, lr) and seen == [(lr, wd)]
    assert trial.val_acc_list == tr.test_acc_list and len(trial.val_acc_list) == 3
    assert trial.train_acc_list == tr.train_acc_list and trial.fail_reason is None


def test_run_trial_records_divergence() -> None:
    rs = np.random.RandomState(0)
    x = rs.rand(40, 12) * 1e300  # the first forward pass overflows
    t = rs.randint(0, 10, 40)
    kw = {"hidden": (8,), "batch_size": 10}
    stopped = run_trial(
        0, x, t, x[:10], t[:10], 5, rng=np.random.RandomState(1), stop_on_divergence=True, **kw
    )
    assert stopped.fail_reason == "diverged: training loss became nan at step 1 (epoch 1)"
    assert len(stopped.val_acc_list) == 1
    full = run_trial(0, x, t, x[:10], t[:10], 5, rng=np.random.RandomState(1), **kw)
    assert full.fail_reason == stopped.fail_reason and len(full.val_acc_list) == 5
    assert divergence_reason([1.0, 0.5, float("inf")], 2.0) == (
        "diverged: training loss became inf at step 3 (epoch 2)"
    )
    assert divergence_reason([1.0, 0.5], 2.0) is None
    with pytest.raises(ValueError, match="epochs"):
        run_trial(0, x, t, x, t, 0)


def test_the_search_figures_leave_out_a_trial_without_accuracies() -> None:
    from pyref.figures import hyperparameter_optimization

    trials = [
        Trial(0, 0.01, 1e-6, [], [], "diverged"),
        Trial(1, 0.001, 1e-7, [0.2, 0.4], [0.2, 0.5]),
    ]
    figs = hyperparameter_optimization({"trials": [tr.to_dict() for tr in trials]})
    assert "Best 1 of 2 trials" in figs["best"].get_suptitle()
    assert "best: 0.400" in [t.get_text() for t in figs["scatter"].axes[0].get_legend().get_texts()]
