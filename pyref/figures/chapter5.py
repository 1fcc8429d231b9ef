"""The figures of chapter 5's experiments (the two-layer net's training, its gradient
check), drawn from the data :mod:`pyref.experiments.chapter5` returns; each
``NAME(result, data=...)``. ``two_layer_curves`` is shared with
:mod:`pyref.figures.overlays`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from pyref.figures.style import (
    JULIA_MARK,
    epoch_axis,
    gradient_bars,
    language_handles,
    mark_every,
    new_figure,
    on_data,
    smoothed,
    styled,
)


def gradient_check_title(result: dict[str, Any]) -> str:
    """The gradient check's title: the net and the digits it is checked on."""
    return f"Gradient check of ch05's TwoLayerNet (the first {result['samples']} training digits)"


def two_layer_curves(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    """Train and test accuracy per epoch and the smoothed minibatch loss (Julia's over
    them when two)."""
    first = results[0]
    fig = new_figure(11, 4.4)
    ax, ax_loss = fig.subplots(1, 2)
    x = np.arange(len(first["train_acc"]))
    ax.plot(x, first["train_acc"], color="C0", marker="o", label="train acc", markevery=2)
    ax.plot(
        x, first["test_acc"], color="C1", marker="s", linestyle="--", label="test acc", markevery=2
    )
    loss = smoothed(first["train_loss"])
    ax_loss.plot(loss, color="C2")
    if len(results) > 1:
        jl = results[1]
        ax.plot(x, jl["train_acc"], color="C0", **JULIA_MARK)
        ax.plot(x, jl["test_acc"], color="C1", **JULIA_MARK)
        jl_loss = smoothed(jl["train_loss"])
        ax_loss.plot(jl_loss, color="C2", markevery=mark_every(len(jl_loss)), **JULIA_MARK)
    epoch_axis(ax)
    ax.set_ylabel("accuracy (all training / test digits)")
    ax.set_ylim(0, 1.0)
    ax.set_title(f"accuracy per epoch; last test accuracy {first['test_acc'][-1]:.4f}")
    ax_loss.set_xlabel("iterations")
    ax_loss.set_ylabel("training loss (smoothed)")
    ax_loss.set_title(f"loss per minibatch of {first['batch_size']}")
    handles, labels = ax.get_legend_handles_labels()
    if len(results) > 1:
        handles += language_handles()
        labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    how = "numerical gradient" if first["gradient"] == "numerical" else "backpropagation"
    fig.suptitle(f"Two-layer net, SGD, {first['iters_num']} steps by {how}{on_data(data)}")
    return fig


@styled
def train_two_layer_net(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """train_neuralnet.py (figure 4-12; ch05 the same): train and test accuracy per epoch, and the loss."""
    return two_layer_curves([result], data)


@styled
def gradient_check(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """gradient_check.py: mean |backprop − numerical| per parameter, on a log axis."""
    return gradient_bars(
        [result["diff"]],
        ["Python"],
        ylabel="mean |backprop − numerical|",
        title=gradient_check_title(result),
    )
