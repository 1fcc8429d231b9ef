"""Random hyperparameter search of 6.5.3.

The book's recipe: split off a validation set (shuffle, first 20 %), then for
each trial draw weight decay = 10**uniform(-8, -4) and then lr = 10**uniform(-6, -2),
train a 784-100x6-10 net with SGD for 50 epochs, and rank trials by their final
validation accuracy. Draws happen in exactly that order on one stream.

Beyond the book, for searches run in parallel (``pyref search``, the pyref.study package):
:func:`trial_seed` gives trial i a stream of its own, and :func:`run_trial` is one
trial that also watches its training loss for NaN/inf. PyRef's search.jl has the
twin of each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from pyref.checks import check_nonnegative_int, check_positive_int
from pyref.datasets import NUM_CLASSES, split_validation
from pyref.nets import MultiLayerNet
from pyref.rng import SEED_MAX, check_seed, resolve_rng
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

#: Per-trial streams: trial i of a study with seed s draws from
#: RandomState((s * TRIAL_SEED_MULTIPLIER + i) mod 2**32).
TRIAL_SEED_MULTIPLIER = 1_000_003


@dataclass
class Trial:
    """One trial: its hyperparameters and per-epoch accuracy curves."""

    number: int
    lr: float
    weight_decay: float
    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    #: Why the trial failed (its training loss became NaN or inf), or None.
    fail_reason: str | None = None

    @property
    def key(self) -> str:
        """The book's label of a trial: 'lr:..., weight decay:...'."""
        return f"lr:{self.lr}, weight decay:{self.weight_decay}"

    @property
    def final_val_acc(self) -> float | None:
        """The last validation accuracy; None when none was measured (a trial stopped in
        its first epoch), as in pyref.study's records and JSON's null."""
        return self.val_acc_list[-1] if self.val_acc_list else None

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "lr": float(self.lr),
            "weight_decay": float(self.weight_decay),
            "val_acc_list": [float(a) for a in self.val_acc_list],
            "train_acc_list": [float(a) for a in self.train_acc_list],
            "final_val_acc": None if self.final_val_acc is None else float(self.final_val_acc),
            "final_train_acc": float(self.train_acc_list[-1]) if self.train_acc_list else None,
            "fail_reason": self.fail_reason,
        }


def sample_hyperparameters(rng: np.random.RandomState | None = None) -> tuple[float, float]:
    """(weight_decay, lr), drawn in the book's order: weight decay first."""
    r = resolve_rng(rng)
    weight_decay = 10 ** r.uniform(*WEIGHT_DECAY_LOG10_RANGE)
    lr = 10 ** r.uniform(*LR_LOG10_RANGE)
    return weight_decay, lr


def trial_seed(seed: int, index: int) -> int:
    """The seed of trial ``index``'s own stream: ``(seed * 1_000_003 + index) mod 2**32``.

    A plain 32-bit seed, so numpy (``RandomState(trial_seed(s, i))``) and
    PyRef.NumpyRandom (``RandomState(trial_seed(s, i))``) start the same MT19937
    stream; for one seed, trials 0 .. 2**32 - 1 all get different seeds.
    """
    seed = check_seed("seed", seed)
    index = check_nonnegative_int("index", index)
    return (seed * TRIAL_SEED_MULTIPLIER + index) % (SEED_MAX + 1)


def divergence_reason(losses: list[float], iter_per_epoch: float) -> str | None:
    """Why a trial with these training losses failed: the first NaN or inf, or None."""
    for step, loss in enumerate(losses):
        if not math.isfinite(loss):
            epoch = int(step // iter_per_epoch) + 1
            return f"diverged: training loss became {loss} at step {step + 1} (epoch {epoch})"
    return None


def _trial_trainer(
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    lr: float,
    weight_decay: float,
    epochs: int,
    hidden: tuple[int, ...],
    batch_size: int,
    rng: np.random.RandomState | None,
) -> Trainer:
    """A trial's net (L2 decay ``weight_decay``, weights drawn from ``rng``) and its
    Trainer (SGD(lr), minibatches from the same stream), not yet trained."""
    network = MultiLayerNet(
        x_train.shape[1], list(hidden), NUM_CLASSES, weight_decay_lambda=weight_decay, rng=rng
    )
    return Trainer(
        network,
        x_train,
        t_train,
        x_val,
        t_val,
        epochs=epochs,
        mini_batch_size=batch_size,
        optimizer="sgd",
        optimizer_param={"lr": lr},
        verbose=False,
        rng=rng,
    )


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
    trainer = _trial_trainer(
        x_train, t_train, x_val, t_val, lr, weight_decay, epochs, hidden, SEARCH_BATCH_SIZE, rng
    )
    trainer.train()
    return trainer.test_acc_list, trainer.train_acc_list


def run_trial(
    number: int,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    epochs: int = SEARCH_EPOCHS,
    *,
    hidden: tuple[int, ...] = SEARCH_HIDDEN,
    batch_size: int = SEARCH_BATCH_SIZE,
    rng: np.random.RandomState | None = None,
    stop_on_divergence: bool = False,
    on_start: Callable[[float, float], None] | None = None,
    check: Callable[[], None] | None = None,
) -> Trial:
    """One trial of the search: draw weight decay, then lr, then train as
    :func:`train_trial` does (same net, same draws), watching the training loss.

    A trial whose loss becomes NaN or inf gets a ``fail_reason``; with
    ``stop_on_divergence`` it stops there (its curves end early), otherwise it
    trains to the end so that the stream advances exactly as the book's.
    ``on_start(lr, weight_decay)`` is called once they are drawn, ``check()``
    after every step (it may raise to abandon the trial).
    """
    number = int(number)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    weight_decay, lr = sample_hyperparameters(rng)
    if on_start is not None:
        on_start(lr, weight_decay)
    trainer = _trial_trainer(
        x_train, t_train, x_val, t_val, lr, weight_decay, epochs, hidden, batch_size, rng
    )
    reason = None
    with np.errstate(all="ignore"):  # a diverging trial is recorded, not warned about
        for _ in range(trainer.max_iter):
            loss = trainer.train_step()
            if reason is None and not math.isfinite(loss):
                reason = divergence_reason(trainer.train_loss_list, trainer.iter_per_epoch)
                if stop_on_divergence:
                    break
            if check is not None:
                check()
    return Trial(
        number,
        float(lr),
        float(weight_decay),
        [float(a) for a in trainer.test_acc_list],
        [float(a) for a in trainer.train_acc_list],
        reason,
    )


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
        trial = run_trial(number, x_train, t_train, x_val, t_val, epochs, hidden=hidden, rng=rng)
        results.append(trial)
        if on_trial is not None:
            on_trial(trial)
    return results


def best_n(trials: list[Trial], n: int = BEST_N) -> list[Trial]:
    """The ``n`` trials with the highest final validation accuracy; ties keep trial
    order (Python's sort is stable, as in the book's ``sorted(..., reverse=True)``)."""
    n = check_positive_int("n", n)
    return sorted(trials, key=_rank_key, reverse=True)[:n]


def _rank_key(trial: Trial) -> float:
    """A trial's final validation accuracy, -inf for one without (ranked last)."""
    return -math.inf if trial.final_val_acc is None else trial.final_val_acc


def format_best(trials: list[Trial], n: int = BEST_N) -> str:
    """The book's result listing: 'Best-1(val acc:0.8) | lr:..., weight decay:...'."""
    lines = ["=========== Hyper-Parameter Optimization Result ==========="]
    for i, tr in enumerate(best_n(trials, n)):
        lines.append(f"Best-{i + 1}(val acc:{tr.final_val_acc}) | {tr.key}")
    return "\n".join(lines)
