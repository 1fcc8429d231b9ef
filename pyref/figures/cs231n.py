"""The figures of CS231n assignment 2's experiments (the update rules compared, the
50-image overfit), drawn from the data :mod:`pyref.experiments.cs231n` returns; each
``NAME(result, data=...)``. ``rule_panels`` and ``overfit_panels`` are shared with
:mod:`pyref.figures.overlays`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from pyref.cs231n.optim import UPDATE_RULES
from pyref.figures.style import (
    JULIA_MARK,
    epoch_axis,
    language_handles,
    mark_every,
    new_figure,
    on_data,
    styled,
)


def _rules(result: dict[str, Any]) -> list[str]:
    """The result's rules, in the assignment's order (a Julia result has no order)."""
    runs = result["rules"]
    return [r for r in UPDATE_RULES if r in runs] + [r for r in runs if r not in UPDATE_RULES]


def _legend(fig: Figure, ax: Any, two: bool, ncol: int) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if two:
        handles += language_handles()
        labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol)


def rule_panels(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    """The notebook's three panels: training loss per iteration (dots), training and
    validation accuracy per epoch, one colour per rule (Julia's over them when two)."""
    first = results[0]
    fig = new_figure(8, 9.5)
    ax_loss, ax_train, ax_val = fig.subplots(3, 1)
    for k, rule in enumerate(_rules(first)):
        run = first["rules"][rule]
        color = f"C{k}"
        label = f"{rule} (learning rate {run['learning_rate']:g})"
        loss = run["loss_history"]
        ax_loss.plot(loss, "o", color=color, markersize=2, label=label)
        epochs = np.arange(len(run["train_acc_history"]))
        ax_train.plot(epochs, run["train_acc_history"], "-o", color=color, label=label)
        ax_val.plot(epochs, run["val_acc_history"], "-o", color=color, label=label)
        if len(results) > 1:
            jl = results[1]["rules"][rule]
            step = mark_every(len(jl["loss_history"]), 60)
            ax_loss.plot(
                np.arange(len(jl["loss_history"]))[::step],
                jl["loss_history"][::step],
                color=color,
                **{**JULIA_MARK, "markersize": 4},
            )
            ax_train.plot(epochs, jl["train_acc_history"], color=color, **JULIA_MARK)
            ax_val.plot(epochs, jl["val_acc_history"], color=color, **JULIA_MARK)
    ax_loss.set(title="Training loss", xlabel="iteration", ylabel="loss")
    for ax, what in ((ax_train, "Training"), (ax_val, "Validation")):
        epoch_axis(ax)
        ax.set(title=f"{what} accuracy", ylabel="accuracy", ylim=(0, 1.02))
    _legend(fig, ax_train, len(results) > 1, 2)
    fig.suptitle(
        f"Update rules: {first['num_train']} training images, "
        f"{first['num_epochs']} epochs{on_data(data)}"
    )
    return fig


def overfit_panels(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    """The notebook's overfit: training loss per iteration, and training and validation
    accuracy per epoch (Julia's over them when two)."""
    first = results[0]
    fig = new_figure(10, 4.4)
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(first["loss_history"], "o", color="C0", markersize=3, label="training loss")
    epochs = np.arange(len(first["train_acc_history"]))
    ax_acc.plot(epochs, first["train_acc_history"], "-o", color="C0", label="training data")
    ax_acc.plot(epochs, first["val_acc_history"], "--s", color="C1", label="validation data")
    if len(results) > 1:
        jl = results[1]
        ax_loss.plot(jl["loss_history"], color="C0", **JULIA_MARK)
        ax_acc.plot(epochs, jl["train_acc_history"], color="C0", **JULIA_MARK)
        ax_acc.plot(epochs, jl["val_acc_history"], color="C1", **JULIA_MARK)
    ax_loss.set(title="Training loss history", xlabel="iteration", ylabel="training loss")
    epoch_axis(ax_acc)
    ax_acc.set(
        ylabel="accuracy",
        ylim=(0, 1.02),
        title=f"final training accuracy {first['final_train_acc']:.3f}, "
        f"validation {first['final_val_acc']:.3f}",
    )
    _legend(fig, ax_acc, len(results) > 1, 4)
    fig.suptitle(
        f"Overfitting {first['num_train']} training images (sgd, weight scale "
        f"{first['weight_scale']:g}, learning rate {first['learning_rate']:g}){on_data(data)}"
    )
    return fig


@styled
def cs231n_update_rules(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """FullyConnectedNets.ipynb: each update rule's loss, training and validation
    accuracy."""
    return rule_panels([result], data)


@styled
def cs231n_overfit(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """FullyConnectedNets.ipynb: the 50-image overfit's loss and accuracies."""
    return overfit_panels([result], data)
