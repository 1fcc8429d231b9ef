"""One trial of a search space, trained epoch by epoch so that a pruner can stop it.

The trial's settings come from :func:`pyref.study.space.trial_settings`; its net is
pyref's MultiLayerNetExtend (Dropout when ``dropout_ratio`` > 0, BatchNorm when
``use_batchnorm``), trained by the book's Trainer. Like the book's Trainer, accuracies
are measured at the first step of each epoch; after each measurement ``on_epoch(epoch,
val_acc, train_acc)`` (epoch counted from 1) decides whether the trial goes on: a
trial it stops has trained ``epoch`` epochs' worth of measurements and one step of
the last. With the book's space (weight decay, lr) the net, its weights and its
minibatches are exactly those of :func:`pyref.search.run_trial`, draw for draw.
PyRef's twin is julia/src/search_epochs.jl.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from pyref.checks import check_positive_int
from pyref.datasets import NUM_CLASSES
from pyref.nets import MultiLayerNetExtend
from pyref.search import divergence_reason
from pyref.trainer import Trainer

#: The largest trial net: hidden layers, and weights and biases in all (10^8 float64
#: values are 0.8 GB, and training keeps about four copies: the weights, their
#: gradients and an optimizer's state). A bigger net is refused before it is built.
MAX_HIDDEN_LAYERS = 100
MAX_NET_WEIGHTS = 100_000_000


@dataclass
class EpochTrial:
    """What a trial trained epoch by epoch gave: curves, a failure, or the epoch it was
    stopped at (``pruned_at``, counted from 1)."""

    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    fail_reason: str | None = None
    pruned_at: int | None = None


def check_trial_net(input_size: int, hidden: Any, output_size: int = NUM_CLASSES) -> int:
    """The number of weights and biases of the net ``input_size``-``hidden``-``output_size``
    (``hidden``: the hidden layers' sizes); ValueError naming ``hidden`` when it has
    more than MAX_HIDDEN_LAYERS layers or more than MAX_NET_WEIGHTS weights."""
    input_size = check_positive_int("input_size", input_size)
    output_size = check_positive_int("output_size", output_size)
    sizes = [check_positive_int("hidden layer size", h) for h in hidden]
    if not sizes:
        raise ValueError("hidden must name at least one layer size")
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"hidden: {len(sizes)} hidden layers are more than MAX_HIDDEN_LAYERS = "
            f"{MAX_HIDDEN_LAYERS}"
        )
    dims = [input_size, *sizes, output_size]
    weights = sum(a * b + b for a, b in zip(dims[:-1], dims[1:]))
    if weights > MAX_NET_WEIGHTS:
        shown = f"{sizes[0]}x{len(sizes)}" if len(set(sizes)) == 1 else ",".join(map(str, sizes))
        raise ValueError(
            f"hidden: the net {input_size}-{shown}-{output_size} has {weights:,} weights, "
            f"more than MAX_NET_WEIGHTS = {MAX_NET_WEIGHTS:,}"
        )
    return weights


def make_trainer(
    settings: dict[str, Any],
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    epochs: int,
    rng: np.random.RandomState,
) -> Trainer:
    """The trial's net (weights from ``rng``) and Trainer (minibatches from ``rng``);
    ValueError for a net :func:`check_trial_net` refuses."""
    epochs = check_positive_int("epochs", epochs)
    check_trial_net(x_train.shape[1], settings["hidden"])
    dropout = float(settings["dropout_ratio"])
    network = MultiLayerNetExtend(
        x_train.shape[1],
        list(settings["hidden"]),
        NUM_CLASSES,
        weight_decay_lambda=settings["weight_decay"],
        use_dropout=dropout > 0,
        dropout_ratio=dropout if dropout > 0 else 0.5,
        use_batchnorm=settings["use_batchnorm"],
        rng=rng,
    )
    return Trainer(
        network,
        x_train,
        t_train,
        x_val,
        t_val,
        epochs=epochs,
        mini_batch_size=settings["batch_size"],
        optimizer=settings["optimizer"],
        optimizer_param={"lr": settings["lr"]},
        verbose=False,
        rng=rng,
    )


def train_epochs(
    trainer: Trainer,
    *,
    stop_on_divergence: bool = True,
    on_epoch: Callable[[int, float, float], bool] | None = None,
    check: Callable[[], None] | None = None,
) -> EpochTrial:
    """Train ``trainer`` to its end, or until ``on_epoch`` returns True (pruned) or, with
    ``stop_on_divergence``, the loss becomes NaN or inf. ``check()`` runs after every
    step (it may raise to abandon the trial)."""
    result = EpochTrial()
    seen = 0
    with np.errstate(all="ignore"):  # a diverging trial is recorded, not warned about
        for _ in range(trainer.max_iter):
            loss = trainer.train_step()
            if result.fail_reason is None and not math.isfinite(loss):
                result.fail_reason = divergence_reason(
                    trainer.train_loss_list, trainer.iter_per_epoch
                )
                if stop_on_divergence:
                    break
            if check is not None:
                check()
            if len(trainer.test_acc_list) > seen:
                seen = len(trainer.test_acc_list)
                val, train = float(trainer.test_acc_list[-1]), float(trainer.train_acc_list[-1])
                if (
                    on_epoch is not None
                    and result.fail_reason is None
                    and on_epoch(seen, val, train)
                ):
                    result.pruned_at = seen
                    break
    result.val_acc_list = [float(a) for a in trainer.test_acc_list]
    result.train_acc_list = [float(a) for a in trainer.train_acc_list]
    return result
