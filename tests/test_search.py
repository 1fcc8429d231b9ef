"""Random hyperparameter search: the book's draw order, ranking and listing."""

from __future__ import annotations

import numpy as np

from pyref.nets import MultiLayerNet
from pyref.search import Trial, best_n, format_best, random_search, sample_hyperparameters
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
        tr = Trainer(net, x_tr, t_tr, x_val, t_val, epochs=2, mini_batch_size=100,
                     optimizer="sgd", optimizer_param={"lr": lr}, verbose=False)  # fmt: skip
        tr.train()
        assert (trial.weight_decay, trial.lr) == (wd, lr)
        assert trial.val_acc_list == tr.test_acc_list
        assert trial.train_acc_list == tr.train_acc_list


def test_best_n_is_stable_and_listing_has_the_book_format() -> None:
    trials = [Trial(i, 0.001 * (i + 1), 1e-6, [0.1, acc], [0.1, acc]) for i, acc in
              enumerate([0.5, 0.9, 0.5, 0.9, 0.2])]  # fmt: skip
    order = [tr.number for tr in best_n(trials, 4)]
    assert order == [1, 3, 0, 2]
    text = format_best(trials, 2)
    assert text.splitlines()[1] == "Best-1(val acc:0.9) | lr:0.002, weight decay:1e-06"
    assert trials[0].to_dict()["final_val_acc"] == 0.5
