"""The Solver: the assignment's 50-example overfit, its schedule, its checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pyref.cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from pyref.cs231n.data_utils import get_CIFAR10_data
from pyref.cs231n.solver import Solver
from pyref.fileio import read_npz


@pytest.fixture(scope="module")
def small_data() -> dict[str, np.ndarray]:
    """The notebooks' ``small_data``: 50 training examples (here of the embedded
    digits, get_CIFAR10_data's offline default) and a short validation set."""
    data = get_CIFAR10_data(num_training=50, num_validation=100, num_test=0)
    return {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")}


def test_a_three_layer_net_overfits_50_examples(small_data) -> None:
    # FullyConnectedNets.ipynb, "overfit 50 training examples" with a three-layer net:
    # weight_scale 3e-2, learning_rate 5e-3, 20 epochs of batch 25 reach 100 % training accuracy.
    np.random.seed(231)
    model = FullyConnectedNet([100, 100], weight_scale=3e-2, dtype=np.float64)
    solver = Solver(
        model,
        small_data,
        print_every=10,
        num_epochs=20,
        batch_size=25,
        update_rule="sgd",
        optim_config={"learning_rate": 5e-3},
        verbose=False,
    )
    solver.train()
    assert max(solver.train_acc_history) == 1.0
    assert len(solver.loss_history) == 40
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 21
    assert solver.loss_history[-1] < solver.loss_history[0]


def test_training_is_reproducible_and_keeps_the_best_params(small_data, capsys) -> None:
    runs = []
    for _ in range(2):
        np.random.seed(0)
        model = TwoLayerNet(input_dim=3 * 32 * 32, hidden_dim=20, weight_scale=1e-3, reg=0.1)
        solver = Solver(
            model,
            small_data,
            update_rule="adam",
            optim_config={"learning_rate": 1e-3},
            lr_decay=0.9,
            batch_size=10,
            num_epochs=2,
            print_every=5,
        )
        solver.train()
        runs.append(solver)
    a, b = runs
    assert a.loss_history == b.loss_history
    assert a.model.params is a.best_params
    assert a.best_val_acc == max(a.val_acc_history)
    assert a.optim_configs["W1"]["learning_rate"] == pytest.approx(1e-3 * 0.9**2)
    assert a.optim_configs["W1"]["t"] == 10
    out = capsys.readouterr().out
    assert "(Iteration 1 / 10) loss:" in out and "(Epoch 2 / 2) train acc:" in out


def test_checkpoints_are_npz_files_without_pickle(small_data, tmp_path) -> None:
    np.random.seed(1)
    model = TwoLayerNet(hidden_dim=8)
    name = str(tmp_path / "ckpt")
    solver = Solver(
        model, small_data, batch_size=25, num_epochs=2, checkpoint_name=name, verbose=False
    )
    solver.train()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["ckpt_epoch_0.npz", "ckpt_epoch_1.npz", "ckpt_epoch_2.npz"]
    arrays = read_npz(tmp_path / "ckpt_epoch_2.npz")
    settings = json.loads(arrays["settings"].tobytes().decode("utf-8"))
    assert settings["epoch"] == 2 and settings["update_rule"] == "sgd"
    assert np.array_equal(arrays["loss_history"], solver.loss_history)
    assert set(k for k in arrays if k.startswith("params.")) == {
        f"params.{k}" for k in model.params
    }


def test_check_accuracy_subsamples_and_batches(small_data) -> None:
    np.random.seed(2)
    model = TwoLayerNet(hidden_dim=8)
    solver = Solver(model, small_data, verbose=False)
    X, y = small_data["X_val"], small_data["y_val"]
    full = solver.check_accuracy(X, y, batch_size=7)
    assert full == np.mean(np.argmax(model.loss(X), axis=1) == y)
    np.random.seed(3)
    sub = solver.check_accuracy(X, y, num_samples=10)
    np.random.seed(3)
    mask = np.random.choice(100, 10)
    assert sub == np.mean(np.argmax(model.loss(X[mask]), axis=1) == y[mask])


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"update_rule": "nesterov"}, ValueError, "update_rule"),
        ({"optim_config": {"learning_rate": 1e-3, "momentum": 0.9}}, ValueError, "'momentum'"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"lr_decay": 0}, ValueError, "lr_decay"),
        ({"num_train_samples": 0}, ValueError, "num_train_samples"),
        ({"verbose": 1}, TypeError, "verbose"),
        ({"checkpoint_name": ""}, ValueError, "checkpoint_name"),
        ({"learning_rate": 1e-3}, TypeError, "learning_rate"),
    ],
)
def test_bad_options_are_refused_naming_them(small_data, kwargs, error, named) -> None:
    with pytest.raises(error) as info:
        Solver(TwoLayerNet(hidden_dim=4), small_data, **kwargs)
    assert named in str(info.value)


def test_bad_data_is_refused(small_data) -> None:
    with pytest.raises(ValueError, match="'y_val'"):
        Solver(TwoLayerNet(hidden_dim=4), {k: v for k, v in small_data.items() if k != "y_val"})
    bad = dict(small_data, y_train=small_data["y_train"][:10])
    with pytest.raises(ValueError, match="X_train"):
        Solver(TwoLayerNet(hidden_dim=4), bad)
