"""Random hyperparameter search of 6.5.3.

The book's recipe: split off a validation set (shuffle, first 20 %), then for
each trial draw weight decay = 10**uniform(-8, -4) and then lr = 10**uniform(-6, -2),
train a 784-100x6-10 net with SGD for 50 epochs, and rank trials by their final
validation accuracy. Draws happen in exactly that order on one stream.

Beyond the book, for searches run in parallel (``pyref search``, the pyref.study package):
:func:`trial_seed` gives trial i a stream of its own. A trial is trained (and its
loss watched for NaN/inf) by :mod:`pyref.study.trial`, which :func:`run_trial` calls
with the book's net and SGD. PyRef's search.jl has the twin of each.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from pyref.checks import check_nonnegative_int, check_positive_int
from pyref.datasets import split_validation
from pyref.rng import SEED_MAX, check_seed, resolve_rng
from pyref.study.trial import (
    Trial,
    TrialRun,
    divergence_reason,
    finish_trial,
    train_to_next_measurement,
    train_trial,
    trial_trainer,
)

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
#: How the book's search trains every trial besides its lr and weight decay: SGD, no
#: Dropout, no Batch Normalization (the book's MultiLayerNet).
BOOK_TRIAL_SETTINGS: dict[str, Any] = {
    "optimizer": "sgd",
    "dropout_ratio": 0.0,
    "use_batchnorm": False,
}

#: Per-trial streams: trial i of a study with seed s draws from
#: RandomState((s * TRIAL_SEED_MULTIPLIER + i) mod 2**32).
TRIAL_SEED_MULTIPLIER = 1_000_003


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
    """One trial of the book's search: draw weight decay, then lr, then train the book's
    net with SGD(lr) and L2 decay on the same stream (:mod:`pyref.study.trial`).

    Args:
        number: the trial's index.
        x_train, t_train: training samples (N, D) and labels (N,).
        x_val, t_val: validation samples (M, D) and labels (M,).
        epochs: epochs to train.
        hidden: the hidden layers' sizes.
        batch_size: minibatch size.
        rng: the stream of the draws, the weights and the minibatches (numpy's global
            stream by default).
        stop_on_divergence: stop at the first NaN or inf loss; otherwise train to the
            end, so that the stream advances exactly as the book's.
        on_start: ``on_start(lr, weight_decay)`` once they are drawn.
        check: called after every step; it may raise to abandon the trial.

    Returns:
        The Trial, with a ``fail_reason`` when its loss became NaN or inf.
    """
    number = int(number)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    r = resolve_rng(rng)
    weight_decay, lr = sample_hyperparameters(r)
    if on_start is not None:
        on_start(lr, weight_decay)
    trainer = trial_trainer(
        x_train,
        t_train,
        x_val,
        t_val,
        epochs=epochs,
        hidden=hidden,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        rng=r,
        **BOOK_TRIAL_SETTINGS,
    )
    run = TrialRun(trainer, r, stop_on_divergence)
    train_trial(lambda: train_to_next_measurement(run, check))
    out = finish_trial(run)
    return Trial(
        number,
        float(lr),
        float(weight_decay),
        out["val_acc_list"],
        out["train_acc_list"],
        divergence_reason(out["train_loss_list"], trainer.iter_per_epoch),
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
