"""CS231n assignment 2's FullyConnectedNets notebook runs as functions that return their
data (plotting is in figures), built on :mod:`pyref.cs231n`.

- ``cs231n_update_rules``: the four update rules (sgd, sgd_momentum, rmsprop, adam)
  compared on a five-layer FullyConnectedNet trained by the Solver on 4,000 images,
  5 epochs of batches of 100, at the notebook's learning rates.
- ``cs231n_overfit``: a three-layer net overfitting 50 training images (20 epochs of
  batches of 25, sgd), which reaches 100 % training accuracy as the notebook asks.

The images are MNIST's digits as the registry hands them (rows of 784 pixels in
[0, 1]), preprocessed as ``get_CIFAR10_data`` preprocesses CIFAR-10's: pixels on the
0..255 scale, the mean training image subtracted. Every draw comes from numpy's global
stream, as the assignment's; given ``rng``, that stream starts from its state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pyref.checks import check_positive_int
from pyref.cs231n.classifiers.fc_net import FullyConnectedNet
from pyref.cs231n.optim import UPDATE_RULES
from pyref.cs231n.solver import Solver
from pyref.rng import resolve_rng

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

__all__ = [
    "Data",
    "PIXEL_SCALE",
    "VALIDATION",
    "LEARNING_RATES",
    "RULES_TRAIN",
    "RULES_HIDDEN_DIMS",
    "RULES_WEIGHT_SCALE",
    "RULES_EPOCHS",
    "RULES_BATCH",
    "OVERFIT_TRAIN",
    "OVERFIT_HIDDEN_DIMS",
    "OVERFIT_WEIGHT_SCALE",
    "OVERFIT_LR",
    "OVERFIT_EPOCHS",
    "OVERFIT_BATCH",
    "small_data",
    "cs231n_update_rules",
    "cs231n_overfit",
]

#: get_CIFAR10_data's pixels are 0..255.
PIXEL_SCALE = 255.0
#: Validation images (the first test images).
VALIDATION = 1000
#: The notebook's learning rate of each update rule.
LEARNING_RATES = {"sgd": 5e-3, "sgd_momentum": 5e-3, "rmsprop": 1e-4, "adam": 1e-3}
#: The notebook's comparison: five hidden layers of 100, 4,000 images, 5 epochs of 100.
RULES_TRAIN = 4000
RULES_HIDDEN_DIMS = (100, 100, 100, 100, 100)
RULES_WEIGHT_SCALE = 5e-2
RULES_EPOCHS = 5
RULES_BATCH = 100
#: The notebook's overfit: two hidden layers of 100, 50 images, 20 epochs of 25, sgd.
OVERFIT_TRAIN = 50
OVERFIT_HIDDEN_DIMS = (100, 100)
OVERFIT_WEIGHT_SCALE = 3e-2
OVERFIT_LR = 5e-3
OVERFIT_EPOCHS = 20
OVERFIT_BATCH = 25


def small_data(data: Data, num_train: int, num_val: int) -> dict[str, np.ndarray]:
    """The Solver's data: the first ``num_train`` training and ``num_val`` test images,
    preprocessed as get_CIFAR10_data does.

    Args:
        data: ((x_train (N, D), t_train (N,)), (x_test (M, D), t_test (M,))) as
            ``load_mnist`` returns them (pixels in [0, 1], integer labels).
        num_train: training images.
        num_val: validation images.

    Returns:
        'X_train' (num_train, D), 'y_train' (num_train,) int64, 'X_val' (num_val, D),
        'y_val' (num_val,): pixels times 255, less the mean training image.

    Notes:
        The mean is numpy's ``mean(axis=0)``: the rows added one after another, then
        divided by their count (PyRef: ``sum_rows`` ./ n), so both languages agree.
    """
    (x_train, t_train), (x_test, t_test) = data
    for name, x, t in (("x_train", x_train, t_train), ("x_test", x_test, t_test)):
        if np.ndim(x) != 2 or np.shape(t) != (np.shape(x)[0],):
            raise ValueError(
                f"{name} must be rows of pixels (N, D) with N labels: load_mnist(flatten=True)"
            )
    num_train = check_positive_int("num_train", num_train)
    num_val = check_positive_int("num_val", num_val)
    if num_train > x_train.shape[0]:
        raise ValueError(
            f"num_train={num_train} but the data has {x_train.shape[0]} training images"
        )
    if num_val > x_test.shape[0]:
        raise ValueError(f"num_val={num_val} but the data has {x_test.shape[0]} test images")
    X_train = np.asarray(x_train[:num_train], dtype=np.float64) * PIXEL_SCALE
    X_val = np.asarray(x_test[:num_val], dtype=np.float64) * PIXEL_SCALE
    mean_image = np.mean(X_train, axis=0)
    return {
        "X_train": X_train - mean_image,
        "y_train": np.asarray(t_train[:num_train], dtype=np.int64),
        "X_val": X_val - mean_image,
        "y_val": np.asarray(t_test[:num_val], dtype=np.int64),
    }


def _global_stream(rng: np.random.RandomState | None) -> None:
    """The assignment draws from numpy's global stream: start it from ``rng``'s state."""
    if rng is not None:
        np.random.set_state(resolve_rng(rng).get_state())


def _train(
    data: dict[str, np.ndarray],
    hidden_dims: Sequence[int],
    weight_scale: float,
    update_rule: str,
    learning_rate: float,
    num_epochs: int,
    batch_size: int,
) -> dict[str, Any]:
    """One Solver run of a new FullyConnectedNet (float64); its histories."""
    model = FullyConnectedNet(
        list(hidden_dims),
        input_dim=data["X_train"].shape[1],
        weight_scale=weight_scale,
        dtype=np.float64,
    )
    solver = Solver(
        model,
        data,
        update_rule=update_rule,
        optim_config={"learning_rate": learning_rate},
        num_epochs=num_epochs,
        batch_size=batch_size,
        verbose=False,
    )
    solver.train()
    return {
        "learning_rate": learning_rate,
        "loss_history": [float(v) for v in solver.loss_history],
        "train_acc_history": [float(a) for a in solver.train_acc_history],
        "val_acc_history": [float(a) for a in solver.val_acc_history],
    }


def cs231n_update_rules(
    data: Data,
    *,
    rules: Sequence[str] = UPDATE_RULES,
    num_train: int = RULES_TRAIN,
    num_val: int = VALIDATION,
    hidden_dims: Sequence[int] = RULES_HIDDEN_DIMS,
    num_epochs: int = RULES_EPOCHS,
    batch_size: int = RULES_BATCH,
    rng: np.random.RandomState | None = None,
) -> dict[str, Any]:
    """FullyConnectedNets.ipynb's update rules compared: a new net trained by each rule
    in turn, at its learning rate in :data:`LEARNING_RATES`.

    Returns:
        'rules': rule -> its 'learning_rate', 'loss_history' (one per iteration),
        'train_acc_history' and 'val_acc_history' (after the first iteration and each
        epoch); 'num_train', 'num_epochs'.
    """
    for rule in rules:
        if rule not in LEARNING_RATES:
            raise ValueError(
                f"rules: unknown update rule {rule!r}; choose from {', '.join(UPDATE_RULES)}"
            )
    small = small_data(data, num_train, num_val)
    _global_stream(rng)
    runs = {
        rule: _train(
            small,
            hidden_dims,
            RULES_WEIGHT_SCALE,
            rule,
            LEARNING_RATES[rule],
            num_epochs,
            batch_size,
        )
        for rule in rules
    }
    return {"rules": runs, "num_train": num_train, "num_epochs": num_epochs}


def cs231n_overfit(
    data: Data,
    *,
    num_train: int = OVERFIT_TRAIN,
    num_val: int = VALIDATION,
    hidden_dims: Sequence[int] = OVERFIT_HIDDEN_DIMS,
    weight_scale: float = OVERFIT_WEIGHT_SCALE,
    learning_rate: float = OVERFIT_LR,
    num_epochs: int = OVERFIT_EPOCHS,
    batch_size: int = OVERFIT_BATCH,
    rng: np.random.RandomState | None = None,
) -> dict[str, Any]:
    """FullyConnectedNets.ipynb's overfit: a net trained with sgd on ``num_train``
    images until it knows them all.

    Returns:
        'learning_rate', 'loss_history', 'train_acc_history', 'val_acc_history' as
        ``cs231n_update_rules``' runs; 'final_train_acc', 'final_val_acc';
        'num_train', 'weight_scale', 'num_epochs'.
    """
    small = small_data(data, num_train, num_val)
    _global_stream(rng)
    run = _train(small, hidden_dims, weight_scale, "sgd", learning_rate, num_epochs, batch_size)
    return {
        **run,
        "final_train_acc": run["train_acc_history"][-1],
        "final_val_acc": run["val_acc_history"][-1],
        "num_train": num_train,
        "weight_scale": weight_scale,
        "num_epochs": num_epochs,
    }
