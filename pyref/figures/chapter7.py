"""The figures of chapter 7's experiments (SimpleConvNet's training, its gradient
check, its filters), drawn from the data :mod:`pyref.experiments.chapter7` returns; each
``NAME(result, data=...)``. ``convnet_curves`` is shared with
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


def convnet_curves(
    results: Sequence[dict[str, Any]], data: str | None, net: str = "SimpleConvNet"
) -> Figure:
    """Accuracy per epoch and smoothed batch loss (Julia's over them when two) of the
    net named ``net``."""
    first = results[0]
    fig = new_figure(11, 4.4)
    ax, ax_loss = fig.subplots(1, 2)
    x = np.arange(len(first["train_acc"]))
    ax.plot(x, first["train_acc"], color="C0", marker="o", label="training data", markevery=2)
    ax.plot(
        x, first["test_acc"], color="C1", marker="s", linestyle="--", label="test data", markevery=2
    )
    loss = smoothed(first["train_loss"])
    ax_loss.plot(loss, color="C2", label="Python" if len(results) > 1 else None)
    if len(results) > 1:
        jl = results[1]
        ax.plot(x, jl["train_acc"], color="C0", **JULIA_MARK)
        ax.plot(x, jl["test_acc"], color="C1", **JULIA_MARK)
        jl_loss = smoothed(jl["train_loss"])
        ax_loss.plot(jl_loss, color="C2", markevery=mark_every(len(jl_loss)), **JULIA_MARK)
    epoch_axis(ax)
    ax.set_ylabel("accuracy (first 1,000 images)")
    ax.set_ylim(0, 1.0)
    ax.set_title(f"accuracy per epoch; final test accuracy {first['final_test_acc']:.4f}")
    ax_loss.set_xlabel("iterations")
    ax_loss.set_ylabel("training loss (smoothed)")
    ax_loss.set_title("training loss per minibatch")
    handles, labels = ax.get_legend_handles_labels()
    if len(results) > 1:
        handles += language_handles()
        labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    fig.suptitle(f"{net}{on_data(data)}")
    return fig


@styled
def train_convnet(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """7.5 (figure 7-22's run): train and test accuracy per epoch, and the batch loss."""
    return convnet_curves([result], data)


@styled
def convnet_gradient_check(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """gradient_check.py: mean |numerical − backprop| per parameter, on a log axis."""
    return gradient_bars(
        [result["diff"]],
        ["Python"],
        ylabel="mean |numerical − backprop|",
        title="Gradient check of SimpleConvNet (one random 1×10×10 image)",
    )


@styled
def filter_grid(filters: Any, title: str, nx: int = 8) -> Figure:
    """Each filter's first channel as a grey image (dark = large), ``nx`` per row, as the
    book's filter_show draws them."""
    filters = np.asarray(filters)
    if filters.ndim != 4:
        raise ValueError(f"filters must be (N, C, H, W), got shape {filters.shape}")
    count = filters.shape[0]
    ny = int(np.ceil(count / nx))
    fig = new_figure(nx * 1.0, ny * 1.0 + 0.5)
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.02, hspace=0.02)
    for i in range(count):
        ax = fig.add_subplot(ny, nx, i + 1, xticks=[], yticks=[])
        ax.imshow(filters[i, 0], cmap="gray_r", interpolation="nearest")
    fig.suptitle(title)
    return fig


def visualize_filter(result: dict[str, Any], *, data: str | None = None) -> dict[str, Figure]:
    """7.6.1 (figure 7-24): the 30 first-layer filters before and after training."""
    return {
        "before": filter_grid(result["initial_W1"], "first-layer filters: random initial weights"),
        "after": filter_grid(result["trained_W1"], f"after training ({result['trained']})"),
    }


@styled
def _filtered_digit(result: dict[str, Any]) -> Figure:
    outputs = np.asarray(result["outputs"])
    nx = 4
    ny = int(np.ceil((outputs.shape[0] + 1) / nx))
    fig = new_figure(nx * 1.7, ny * 1.7 + 0.5)
    ax = fig.add_subplot(ny, nx, 1, xticks=[], yticks=[])
    ax.imshow(np.asarray(result["image"]), cmap="gray_r", interpolation="nearest")
    ax.set_title("input", fontsize=9)
    for i, out in enumerate(outputs):
        ax = fig.add_subplot(ny, nx, i + 2, xticks=[], yticks=[])
        ax.imshow(out, cmap="gray_r", interpolation="nearest")
        ax.set_title(f"filter {i}", fontsize=9)
    fig.suptitle(f"test digit {result['image_index']} through each filter (dark = large)")
    return fig


def apply_filter(result: dict[str, Any], *, data: str | None = None) -> dict[str, Figure]:
    """7.6.1 (figures 7-25, 7-26): learned filters, and each applied to a digit."""
    return {
        "filters": filter_grid(result["filters"], "learned filters", nx=4),
        "outputs": _filtered_digit(result),
    }
