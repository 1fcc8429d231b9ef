"""Random hyperparameter search of 6.5.3.

The book's recipe: split off a validation set (shuffle, first 20 %), then for
each trial draw weight decay = 10**uniform(-8, -4) and then lr = 10**uniform(-6, -2),
train a 784-100x6-10 net with SGD for 50 epochs, and rank trials by their final
validation accuracy. Draws happen in exactly that order on one stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from pyref.checks import check_positive_int
from pyref.datasets import split_validation
from pyref.nets import MultiLayerNet
from pyref.rng import resolve_rng
from pyref.trainer import Trainer

#: log10 ranges of the sampled hyperparameters (the book's).
WEIGHT_DECAY_LOG10_RANGE = (-8.0, -4.0)
LR_LOG10_RANGE = (-6.0, -2.0)

#: The book's search configuration.
SEARCH_HIDDEN = (100, 100, 100, 100, 100, 100)
SEARCH_EPOCHS = 50
SEARCH_BATCH_SIZE = 100
SEARCH_TRAIN_SAMPLES = 500
SEARCH_TRIALS = 100
SEARCH_VALIDATION_RATE = 0.2
BEST_N = 20


@dataclass
class Trial:
    """One trial: its hyperparameters and per-epoch accuracy curves."""

    number: int
    lr: float
    weight_decay: float
    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The book's label of a trial: 'lr:..., weight decay:...'."""
        return f"lr:{self.lr}, weight decay:{self.weight_decay}"

    @property
    def final_val_acc(self) -> float:
        return self.val_acc_list[-1] if self.val_acc_list else float("nan")

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "lr": float(self.lr),
            "weight_decay": float(self.weight_decay),
            "val_acc_list": [float(a) for a in self.val_acc_list],
            "train_acc_list": [float(a) for a in self.train_acc_list],
            "final_val_acc": float(self.final_val_acc),
            "final_train_acc": float(self.train_acc_list[-1]) if self.train_acc_list else None,
        }


def sample_hyperparameters(rng: np.random.RandomState | None = None) -> tuple[float, float]:
    """(weight_decay, lr), drawn in the book's order: weight decay first."""
    r = resolve_rng(rng)
    weight_decay = 10 ** r.uniform(*WEIGHT_DECAY_LOG10_RANGE)
    lr = 10 ** r.uniform(*LR_LOG10_RANGE)
    return weight_decay, lr


def train_trial(
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    lr: float,
    weight_decay: float,
    epochs: int = SEARCH_EPOCHS,
    *,
    hidden: tuple[int, ...] = SEARCH_HIDDEN,
    rng: np.random.RandomState | None = None,
) -> tuple[list[float], list[float]]:
    """Train one net with SGD(lr) and L2 decay; returns (val_acc_list, train_acc_list)."""
    network = MultiLayerNet(
        x_train.shape[1], list(hidden), 10, weight_decay_lambda=weight_decay, rng=rng
    )
    trainer = Trainer(
        network, x_train, t_train, x_val, t_val,
        epochs=epochs, mini_batch_size=SEARCH_BATCH_SIZE,
        optimizer="sgd", optimizer_param={"lr": lr}, verbose=False, rng=rng,
    )  # fmt: skip
    trainer.train()
    return trainer.test_acc_list, trainer.train_acc_list


def random_search(
    x: np.ndarray,
    t: np.ndarray,
    trials: int = SEARCH_TRIALS,
    epochs: int = SEARCH_EPOCHS,
    *,
    validation_rate: float = SEARCH_VALIDATION_RATE,
    hidden: tuple[int, ...] = SEARCH_HIDDEN,
    rng: np.random.RandomState | None = None,
    on_trial: Callable[[Trial], None] | None = None,
) -> list[Trial]:
    """The book's hyperparameter_optimization.py on training data (x, t).

    Splits off the validation set, then runs ``trials`` trials on one stream;
    ``on_trial`` is called after each (for progress bars and checkpoints).
    """
    trials = check_positive_int("trials", trials)
    epochs = check_positive_int("epochs", epochs)
    (x_train, t_train), (x_val, t_val) = split_validation(x, t, validation_rate, rng=rng)
    results: list[Trial] = []
    for number in range(trials):
        weight_decay, lr = sample_hyperparameters(rng)
        val, train = train_trial(
            x_train, t_train, x_val, t_val, lr, weight_decay, epochs, hidden=hidden, rng=rng
        )
        trial = Trial(number, lr, weight_decay, val, train)
        results.append(trial)
        if on_trial is not None:
            on_trial(trial)
    return results


def best_n(trials: list[Trial], n: int = BEST_N) -> list[Trial]:
    """The ``n`` trials with the highest final validation accuracy; ties keep trial
    order (Python's sort is stable, as in the book's ``sorted(..., reverse=True)``)."""
    n = check_positive_int("n", n)
    return sorted(trials, key=lambda tr: tr.final_val_acc, reverse=True)[:n]


def format_best(trials: list[Trial], n: int = BEST_N) -> str:
    """The book's result listing: 'Best-1(val acc:0.8) | lr:..., weight decay:...'."""
    lines = ["=========== Hyper-Parameter Optimization Result ==========="]
    for i, tr in enumerate(best_n(trials, n)):
        lines.append(f"Best-{i + 1}(val acc:{tr.final_val_acc}) | {tr.key}")
    return "\n".join(lines)
