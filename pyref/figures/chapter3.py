"""The figure of chapter 3's experiment (the three-layer net's accuracy), drawn from the
data :mod:`pyref.experiments.chapter3` returns; ``neuralnet_mnist(result, data=...)``.
``digit_row`` is shared with :mod:`pyref.figures.overlays`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from pyref.figures.style import new_figure, on_data, styled


def digit_row(results: Sequence[dict[str, Any]], names: Sequence[str], data: str | None) -> Figure:
    """The first test digits, each titled with its label and every result's prediction
    (red where one is wrong), under each result's accuracy."""
    first = results[0]
    images = np.asarray(first["images"])
    count = images.shape[0]
    fig = new_figure(max(6.0, 1.1 * count), 2.4 + 0.25 * len(results))
    axes = fig.subplots(1, count, squeeze=False)[0]
    for i, ax in enumerate(axes):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        label = first["labels"][i]
        guesses = [r["predicted"][i] for r in results]
        ax.set_title(
            f"label {label}\n" + "\n".join(f"→ {g}" for g in guesses),
            fontsize=10,
            color="C3" if any(g != label for g in guesses) else "black",
        )
    accuracies = "; ".join(f"{name}accuracy {r['accuracy']:.4f}" for name, r in zip(names, results))
    fig.suptitle(
        f"Three-layer net (784-50-100-10){on_data(data)}\n{accuracies} on "
        f"{first['test_samples']} test digits\nweights: {first['weights']}"
    )
    return fig


@styled
def neuralnet_mnist(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """neuralnet_mnist.py: the accuracy, and the first test digits with their labels and
    the net's predictions (red: wrong)."""
    return digit_row([result], [""], data)
