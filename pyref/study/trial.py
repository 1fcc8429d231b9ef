"""One trial of a search: its record, its net and Trainer, and its training, measurement
by measurement, so that a pruner can stop it between two measurements.

Both searches train their trials here: the book's (:func:`pyref.search.run_trial`,
with the book's net and SGD) and ``pyref search``'s (:mod:`pyref.study.engines`, any
point of a search space). The net is pyref's MultiLayerNetExtend (Dropout when
``dropout_ratio`` > 0, BatchNorm when ``use_batchnorm``; with neither it is the book's
MultiLayerNet), trained by the book's Trainer, which measures the accuracies at the
first step of each epoch. PyRef's twin is julia/src/study/trial.jl, whose
``start_trial``, ``train_to_next_measurement!`` and ``finish_trial`` the Julia engine
calls through the bridge.

Notes:
    A trial stopped after ``k`` measurements has trained ``k - 1`` epochs and one step
    of the next. Its weights are drawn from ``rng`` when its net is built, then its
    minibatches from the same stream, so the same settings on the same stream give
    the same trial in both languages, draw for draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from pyref.checks import check_positive_int
from pyref.datasets import NUM_CLASSES
from pyref.nets import MultiLayerNetExtend
from pyref.rng import rng_state
from pyref.trainer import Trainer

#: The largest trial net: hidden layers, and weights and biases in all (10^8 float64
#: values are 0.8 GB, and training keeps about four copies: the weights, their
#: gradients and an optimizer's state). A bigger net is refused before it is built.
MAX_HIDDEN_LAYERS = 100
MAX_NET_WEIGHTS = 100_000_000


@dataclass
class Trial:
    """One trial: its hyperparameters, its accuracy curves and how it ended.

    Attributes:
        number: the trial's index in its search, from 0.
        lr, weight_decay: its learning rate and L2 weight decay lambda.
        val_acc_list, train_acc_list: accuracies, one per epoch measured.
        fail_reason: why it failed (its loss became NaN or inf, or an error), or None.
        state: 'complete', 'failed' or 'pruned'; left out, 'failed' when it has a
            ``fail_reason``, else 'complete'.
        seed: its own stream's seed (``pyref search``'s per-trial streams), or None.
        rng_state: the textbook stream's state after it (``pyref search`` resumes
            from it; not part of the outputs), or None.
        params: its point in a search space other than the book's (None in the
            book's: lr and weight_decay say it all).
    """

    number: int
    lr: float
    weight_decay: float
    val_acc_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    fail_reason: str | None = None
    state: str | None = None
    seed: int | None = None
    rng_state: dict[str, Any] | None = None
    params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = "failed" if self.fail_reason else "complete"

    @property
    def key(self) -> str:
        """The book's label of a trial: 'lr:..., weight decay:...'."""
        return f"lr:{self.lr}, weight decay:{self.weight_decay}"

    @property
    def final_val_acc(self) -> float | None:
        """The last validation accuracy; None when none was measured (JSON's null)."""
        return self.val_acc_list[-1] if self.val_acc_list else None

    @property
    def final_train_acc(self) -> float | None:
        """The last training accuracy; None when none was measured."""
        return self.train_acc_list[-1] if self.train_acc_list else None

    def to_dict(self) -> dict[str, Any]:
        """The trial as the book's search reports it (``pyref run hyperparameter-optimization``).

        Returns:
            number, lr, weight_decay, val_acc_list, train_acc_list, final_val_acc,
            final_train_acc and fail_reason, as plain Python numbers.
        """
        return {
            "number": self.number,
            "lr": float(self.lr),
            "weight_decay": float(self.weight_decay),
            "val_acc_list": [float(a) for a in self.val_acc_list],
            "train_acc_list": [float(a) for a in self.train_acc_list],
            "final_val_acc": None if self.final_val_acc is None else float(self.final_val_acc),
            "final_train_acc": None
            if self.final_train_acc is None
            else float(self.final_train_acc),
            "fail_reason": self.fail_reason,
        }


def check_trial_net(input_size: int, hidden: Any, output_size: int = NUM_CLASSES) -> int:
    """The number of weights and biases of the net ``input_size``-``hidden``-``output_size``.

    Args:
        input_size: features per sample.
        hidden: the hidden layers' sizes.
        output_size: classes.

    Returns:
        The count of weights and biases; ValueError naming ``hidden`` when the net has
        more than MAX_HIDDEN_LAYERS hidden layers or more than MAX_NET_WEIGHTS weights.
    """
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


def divergence_reason(losses: list[float], iter_per_epoch: float) -> str | None:
    """Why a trial with these training losses failed.

    Args:
        losses: the training loss of each step, in order.
        iter_per_epoch: steps per epoch (the Trainer's, possibly fractional).

    Returns:
        'diverged: training loss became <loss> at step <s> (epoch <e>)' for the first
        NaN or inf (steps and epochs counted from 1), or None.
    """
    for step, loss in enumerate(losses):
        if not math.isfinite(loss):
            epoch = int(step // iter_per_epoch) + 1
            return f"diverged: training loss became {loss} at step {step + 1} (epoch {epoch})"
    return None


def trial_trainer(
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_val: np.ndarray,
    t_val: np.ndarray,
    *,
    epochs: int,
    hidden: Any,
    batch_size: int,
    optimizer: str,
    lr: float,
    weight_decay: float,
    dropout_ratio: float,
    use_batchnorm: bool,
    rng: np.random.RandomState,
) -> Trainer:
    """A trial's net and Trainer, not yet trained: the one place a trial's Trainer is built.

    Args:
        x_train, t_train: training samples (N, D) and their labels (N,).
        x_val, t_val: validation samples (M, D) and labels (M,), measured each epoch.
        epochs: epochs to train.
        hidden: the hidden layers' sizes.
        batch_size: minibatch size.
        optimizer: the optimizer's name (pyref.optimizers), with learning rate ``lr``.
        weight_decay: L2 weight decay lambda.
        dropout_ratio: Dropout after each hidden activation when > 0.
        use_batchnorm: BatchNorm after each hidden Affine.
        rng: the stream the weights, then the minibatches (and Dropout masks) are drawn from.

    Returns:
        The Trainer; ValueError for a net :func:`check_trial_net` refuses.
    """
    epochs = check_positive_int("epochs", epochs)
    check_trial_net(x_train.shape[1], hidden)
    dropout = float(dropout_ratio)
    network = MultiLayerNetExtend(
        x_train.shape[1],
        list(hidden),
        NUM_CLASSES,
        weight_decay_lambda=weight_decay,
        use_dropout=dropout > 0,
        dropout_ratio=dropout if dropout > 0 else 0.5,
        use_batchnorm=use_batchnorm,
        rng=rng,
    )
    return Trainer(
        network,
        x_train,
        t_train,
        x_val,
        t_val,
        epochs=epochs,
        mini_batch_size=batch_size,
        optimizer=optimizer,
        optimizer_param={"lr": lr},
        verbose=False,
        rng=rng,
    )


@dataclass
class TrialRun:
    """A trial being trained.

    Attributes:
        trainer: its Trainer (from :func:`trial_trainer`).
        rng: the stream it draws from (the Trainer's).
        stop_on_divergence: stop at the first NaN or inf loss (else train to the end,
            so that the stream advances as the book's).
        nonfinite: whether its loss has become NaN or inf.
    """

    trainer: Trainer
    rng: np.random.RandomState
    stop_on_divergence: bool = True
    nonfinite: bool = False


def train_to_next_measurement(
    run: TrialRun, check: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Train ``run`` until its next accuracy measurement, its end, or (when it stops on
    divergence) a NaN or inf loss.

    Args:
        run: the trial.
        check: called after every step; it may raise to abandon the trial.

    Returns:
        'measured' (measurements so far), 'val_acc' and 'train_acc' (the last ones, NaN
        before the first), 'nonfinite' (the loss became NaN or inf) and 'done' (no step
        is left, or it stopped on divergence).
    """
    tr = run.trainer
    seen = len(tr.test_acc_list)
    stopped = False
    with np.errstate(all="ignore"):  # a diverging trial is recorded, not warned about
        while tr.current_iter < tr.max_iter:
            loss = tr.train_step()
            if not run.nonfinite and not math.isfinite(loss):
                run.nonfinite = True
                if run.stop_on_divergence:
                    stopped = True
                    break
            if check is not None:
                check()
            if len(tr.test_acc_list) > seen:
                break
    n = len(tr.test_acc_list)
    return {
        "measured": n,
        "val_acc": float(tr.test_acc_list[-1]) if n else math.nan,
        "train_acc": float(tr.train_acc_list[-1]) if n else math.nan,
        "nonfinite": run.nonfinite,
        "done": stopped or tr.current_iter >= tr.max_iter,
    }


def finish_trial(run: TrialRun) -> dict[str, Any]:
    """What ``run`` gave.

    Args:
        run: the trial, trained as far as it goes.

    Returns:
        'val_acc_list', 'train_acc_list' (one per measurement), 'train_loss_list' (one
        per step) and 'rng_state' (:func:`pyref.rng.rng_state` of its stream).
    """
    tr = run.trainer
    return {
        "val_acc_list": [float(a) for a in tr.test_acc_list],
        "train_acc_list": [float(a) for a in tr.train_acc_list],
        "train_loss_list": [float(v) for v in tr.train_loss_list],
        "rng_state": rng_state(run.rng),
    }


def train_trial(
    next_measurement: Callable[[], dict[str, Any]],
    on_epoch: Callable[[int, float, float], bool] | None = None,
) -> int | None:
    """Train a trial measurement by measurement until it is done or pruned: the one trial loop.

    Args:
        next_measurement: trains the trial to its next measurement and says how it
            went, as :func:`train_to_next_measurement` (or PyRef's, through the bridge).
        on_epoch: ``on_epoch(epoch, val_acc, train_acc)`` after each measurement (epoch
            counted from 1) while the loss is finite; True stops (prunes) the trial.

    Returns:
        The epoch the trial was pruned at, or None.
    """
    seen = 0
    while True:
        step = next_measurement()
        if int(step["measured"]) > seen:
            seen = int(step["measured"])
            if (
                on_epoch is not None
                and not step["nonfinite"]
                and on_epoch(seen, float(step["val_acc"]), float(step["train_acc"]))
            ):
                return seen
        if step["done"]:
            return None
