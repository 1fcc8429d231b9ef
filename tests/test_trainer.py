"""Trainer: the book's draw order, epoch bookkeeping and result lists."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.nets import MultiLayerNet, MultiLayerNetExtend
from pyref.optimizers import Adam
from pyref.trainer import Trainer


def data(n: int, seed: int = 0):
    rs = np.random.RandomState(seed)
    return rs.rand(n, 8).astype(np.float32), rs.randint(0, 10, n).astype(np.uint8)


def test_trainer_repeats_the_book_loop_exactly() -> None:
    x, t = data(250)
    xt, tt = data(40, seed=1)
    np.random.seed(3)
    net = MultiLayerNetExtend(8, [6, 5], 10, use_dropout=True, dropout_ration=0.2)
    tr = Trainer(
        net,
        x,
        t,
        xt,
        tt,
        epochs=4,
        mini_batch_size=100,
        optimizer="Momentum",
        optimizer_param={"lr": 0.1},
        verbose=False,
    )
    tr.train()
    # The same loop written out: choice, gradient, update, loss; evaluate when i % 2.5 == 0.
    np.random.seed(3)
    ref = MultiLayerNetExtend(8, [6, 5], 10, use_dropout=True, dropout_ration=0.2)
    from pyref.optimizers import Momentum

    opt = Momentum(lr=0.1)
    losses, accs = [], []
    for i in range(int(4 * 2.5)):
        mask = np.random.choice(250, 100)
        opt.update(ref.params, ref.gradient(x[mask], t[mask]))
        losses.append(ref.loss(x[mask], t[mask]))
        if i % 2.5 == 0:
            accs.append(ref.accuracy(x, t))
    assert tr.max_iter == 10 and tr.iter_per_epoch == 2.5
    assert tr.train_loss_list == losses
    assert tr.train_acc_list == accs and len(accs) == 2
    assert len(tr.test_acc_list) == len(tr.train_acc_list)


def test_isolated_rng_leaves_the_global_stream_alone() -> None:
    x, t = data(60)
    np.random.seed(0)
    before = np.random.rand()
    np.random.seed(0)
    rng = np.random.RandomState(1)
    net = MultiLayerNet(8, [5], 10, rng=rng)
    Trainer(net, x, t, x, t, epochs=2, mini_batch_size=20, verbose=False, rng=rng).train()
    assert np.random.rand() == before


def test_evaluate_sample_num_and_optimizer_objects(capsys: pytest.CaptureFixture) -> None:
    x, t = data(100)
    net = MultiLayerNet(8, [5], 10, rng=np.random.RandomState(0))
    tr = Trainer(
        net,
        x,
        t,
        x,
        t,
        epochs=1,
        mini_batch_size=50,
        optimizer=Adam(lr=0.01),
        evaluate_sample_num_per_epoch=10,
        verbose=True,
        rng=np.random.RandomState(2),
    )
    acc = tr.train()
    out = capsys.readouterr().out
    assert (
        "train loss:" in out and "=== epoch:1, train acc:" in out and "Final Test Accuracy" in out
    )
    assert tr.train_acc_list[0] in {k / 10 for k in range(11)}  # evaluated on 10 samples
    assert 0.0 <= acc <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "exc", "arg"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"mini_batch_size": -5}, ValueError, "mini_batch_size"),
        ({"optimizer": "adamw"}, ValueError, "optimizer"),
        ({"optimizer": 3}, TypeError, "optimizer"),
        ({"optimizer_param": {"lr": 0}}, ValueError, "lr"),
    ],
)
def test_bad_arguments(kwargs: dict, exc: type, arg: str) -> None:
    x, t = data(20)
    net = MultiLayerNet(8, [5], 10, rng=np.random.RandomState(0))
    with pytest.raises(exc, match=arg):
        Trainer(net, x, t, x, t, verbose=False, **kwargs)
    with pytest.raises(ValueError, match="t_train has 19 labels"):
        Trainer(net, x, t[:19], x, t, verbose=False)
