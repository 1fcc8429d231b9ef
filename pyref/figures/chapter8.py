"""The figures of chapter 8's experiments (DeepConvNet's training, its accuracy in
float64 and float16, its misclassified digits), drawn from the data
:mod:`pyref.experiments.chapter8` returns; each ``NAME(result, data=...)``.
``accuracy_bars`` and ``digit_grid`` are shared with :mod:`pyref.figures.overlays`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from pyref.figures.chapter7 import convnet_curves
from pyref.figures.style import new_figure, on_data, styled

#: misclassified_mnist.py's grid.
GRID_ROWS, GRID_COLS = 4, 5


@styled
def train_deepnet(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """8.1 (train_deepnet.py): train and test accuracy per epoch, and the batch loss."""
    return convnet_curves([result], data, net="DeepConvNet")


def accuracy_bars(
    results: Sequence[dict[str, Any]], names: Sequence[str], data: str | None
) -> Figure:
    """Test accuracy in float64 and float16, one pair of bars per result."""
    first = results[0]
    fig = new_figure(6.5, 4.6)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / len(results)
    x = np.arange(2)
    for j, (result, name) in enumerate(zip(results, names)):
        heights = [result["float64_acc"], result["float16_acc"]]
        pos = x + (j - (len(results) - 1) / 2) * width
        bars = ax.bar(pos, heights, width=width, label=name, hatch=None if j == 0 else "//",
                      edgecolor="white" if j == 0 else "black")  # fmt: skip
        ax.bar_label(bars, labels=[f"{h:.4f}" for h in heights], padding=2)
    ax.set_xticks(x, ["float64", "float16\n(images and weights rounded)"])
    ax.set_ylim(0, 1.1)
    ax.set_ylabel(f"test accuracy ({first['test_samples']} images)")
    ax.set_title(
        f"{first['weights_rounded']:,} of {first['weights']:,} weights changed by the rounding"
    )
    if len(results) > 1:
        ax.legend(loc="lower right")
    fig.suptitle(f"DeepConvNet in half precision{on_data(data)}\nweights: {first['trained']}")
    return fig


@styled
def half_float(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """8.3.4 (half_float_network.py): the accuracy before and after float16 rounding."""
    return accuracy_bars([result], ["Python"], data)


def digit_grid(result: dict[str, Any], title: str, julia: dict[str, Any] | None = None) -> Figure:
    """misclassified_mnist.py's 4×5 grid: each digit titled label → prediction (and
    Julia's prediction after a slash, when given)."""
    images = np.asarray(result["images"])
    fig = new_figure(7.5, 7.0)
    for k in range(GRID_ROWS * GRID_COLS):
        ax = fig.add_subplot(GRID_ROWS, GRID_COLS, k + 1, xticks=[], yticks=[])
        if k >= images.shape[0]:
            ax.axis("off")
            continue
        ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
        label = f"{result['labels'][k]} → {result['predicted'][k]}"
        if julia is not None:
            label += f" / {julia['predicted'][k]}"
        ax.set_title(label, fontsize=10)
    fig.suptitle(title)
    return fig


@styled
def misclassified(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """8.1 (misclassified_mnist.py, figure 8-2): the first misclassified test digits."""
    return digit_grid(
        result,
        f"Misclassified test digits, label → prediction; test accuracy "
        f"{result['test_acc']:.4f} ({result['trained']}){on_data(data)}",
    )
