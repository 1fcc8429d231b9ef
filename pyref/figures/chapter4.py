"""The figures of chapter 4's experiments (gradient descent, the two-layer net's
training), drawn from the data :mod:`pyref.experiments.chapter4` returns; each
``NAME(result, data=...)``. ``descent_path`` and ``two_layer_curves`` are shared with
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
    language_handles,
    mark_every,
    new_figure,
    on_data,
    smoothed,
    styled,
)


def descent_path(results: Sequence[dict[str, Any]]) -> Figure:
    """gradient_method.py's plot: the points visited, the axes dashed, the contours of
    x0² + x1² faint behind (Julia's points as circles over Python's when two)."""
    first = results[0]
    fig = new_figure(6.0, 6.4)
    ax = fig.add_subplot(1, 1, 1)
    grid = np.linspace(-5, 5, 201)
    X0, X1 = np.meshgrid(grid, grid)
    ax.contour(X0, X1, X0**2 + X1**2, levels=[1, 4, 9, 16, 25], colors="lightgrey", linewidths=0.8)
    ax.plot([-5, 5], [0, 0], "--b", linewidth=1)
    ax.plot([0, 0], [-5, 5], "--b", linewidth=1)
    path = np.asarray(first["x_history"]).reshape(-1, 2)
    ax.plot(path[:, 0], path[:, 1], "o", color="C0", label="x before each step")
    if len(results) > 1:
        jl = np.asarray(results[1]["x_history"]).reshape(-1, 2)
        ax.plot(jl[:, 0], jl[:, 1], color="C1", **JULIA_MARK)
        ax.legend(handles=language_handles(), loc="upper right")
    else:
        ax.legend(loc="upper right")
    ax.set(xlim=(-3.5, 3.5), ylim=(-4.5, 4.5), xlabel="x0", ylabel="x1")
    last = np.asarray(first["x"])
    ax.set_title(
        f"from ({first['init_x'][0]:g}, {first['init_x'][1]:g}), lr {first['lr']:g}, "
        f"{first['step_num']} steps: ends at ({last[0]:.3g}, {last[1]:.3g})"
    )
    fig.suptitle("Gradient descent on f(x0, x1) = x0² + x1²")
    return fig


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
def gradient_descent(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """gradient_method.py (figure 4-10): the path of gradient descent on x0² + x1²."""
    return descent_path([result])


@styled
def train_two_layer_net(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """train_neuralnet.py (figure 4-12): train and test accuracy per epoch, and the loss."""
    return two_layer_curves([result], data)
