"""Python and Julia in one figure: ``NAME_overlay(python_result, julia_result,
data=...)`` for each experiment, Python as lines or filled marks, Julia as open circles
(:data:`pyref.figures.style.JULIA_MARK`) on top, under a title saying both ran with the
same seed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Callable

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from pyref.figures.chapter3 import digit_row
from pyref.figures.chapter4 import descent_path
from pyref.figures.chapter5 import gradient_check_title, two_layer_curves
from pyref.figures.chapter6 import (
    accuracy_panels,
    bn_check_title,
    loss_curves,
    naive_panels,
    vanishing_curves,
)
from pyref.figures.chapter7 import convnet_curves
from pyref.figures.chapter8 import accuracy_bars, digit_grid
from pyref.figures.cs231n import overfit_panels, rule_panels
from pyref.figures.style import (
    JULIA_MARK,
    STYLE,
    accuracy_or_nan,
    gradient_bars,
    language_handles,
    new_figure,
    on_data,
)


def _std_per_layer(py: dict[str, Any], jl: dict[str, Any], data: str | None) -> Figure:
    acts = list(py["stats"])
    fig = new_figure(4.2 * len(acts), 4.4)
    axes = fig.subplots(1, len(acts), squeeze=False)[0]
    for ax, act in zip(axes, acts):
        for init, stats in py["stats"][act].items():
            layers = np.arange(1, len(stats["std"]) + 1)
            (line,) = ax.plot(layers, stats["std"], label=init)
            ax.plot(layers, jl["stats"][act][init]["std"], color=line.get_color(), **JULIA_MARK)
        ax.set(title=act, xlabel="layer", yscale="log", xticks=layers)
    axes[0].set_ylabel("std of the layer's outputs")
    handles, labels = axes[0].get_legend_handles_labels()
    handles += language_handles()
    labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=3)
    fig.suptitle("Spread of each layer's activations by initial weight scale")
    return fig


def _final_accuracy_by_scale(py: dict[str, Any], jl: dict[str, Any], data: str | None) -> Figure:
    fig = new_figure(7.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    for key, label, style in (
        ("bn_train_acc", "with Batch Normalization", "-"),
        ("train_acc", "without", "--"),
    ):
        (line,) = ax.plot(py["weight_scales"], [run[-1] for run in py[key]], style, label=label)
        ax.plot(
            jl["weight_scales"], [run[-1] for run in jl[key]], color=line.get_color(), **JULIA_MARK
        )
    epochs = len(py["train_acc"][0]) if py["train_acc"] else 0
    ax.set(
        xscale="log",
        ylim=(0, 1),
        xlabel="initial weight scale (std)",
        ylabel=f"training accuracy after {epochs} epochs",
    )
    ax.set_title(f"Batch Normalization against the initial weight scale{on_data(data)}")
    handles, labels = ax.get_legend_handles_labels()
    handles += language_handles()
    labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    return fig


def _check_overlay(py: dict[str, Any], jl: dict[str, Any], *, convnet: bool) -> Figure:
    if convnet:
        title, note = "Gradient check of SimpleConvNet (one random 1×10×10 image)", None
        ylabel = "mean |numerical − backprop|"
    else:
        (title, note), ylabel = bn_check_title(py), "mean |backprop − numerical|"
    return gradient_bars(
        [py["diff"], jl["diff"]],
        ["Python (pyref)", "Julia (PyRef)"],
        ylabel=ylabel,
        title=title,
        note=note,
    )


def _search_overlay(py: dict[str, Any], jl: dict[str, Any], data: str | None) -> Figure:
    fig = new_figure(12, 4.8)
    ax_s, ax_t = fig.subplots(1, 2)
    dots = ax_s.scatter(
        [tr["lr"] for tr in py["trials"]],
        [tr["weight_decay"] for tr in py["trials"]],
        c=[accuracy_or_nan(tr) for tr in py["trials"]],
        vmin=0,
        vmax=1,
        label="Python (pyref)",
    )
    ax_s.scatter(
        [tr["lr"] for tr in jl["trials"]],
        [tr["weight_decay"] for tr in jl["trials"]],
        s=150,
        facecolors="none",
        edgecolors="red",
        label="Julia (PyRef)",
    )
    ax_s.set(
        xscale="log",
        yscale="log",
        xlabel="learning rate",
        ylabel="weight decay λ",
        title="hyperparameters drawn",
    )
    ax_s.legend(fontsize=8)
    fig.colorbar(dots, ax=ax_s, label="final validation accuracy (Python)")
    ax_t.plot([accuracy_or_nan(tr) for tr in py["trials"]], "-", color="C0", label="Python (pyref)")
    ax_t.plot(
        [accuracy_or_nan(tr) for tr in jl["trials"]],
        color="C0",
        label="Julia (PyRef)",
        **JULIA_MARK,
    )
    ax_t.set(
        xlabel="trial", ylabel="final validation accuracy", ylim=(0, 1), title="each trial's result"
    )
    ax_t.legend(fontsize=8)
    fig.suptitle(f"Random search{on_data(data)}")
    return fig


def _filters_overlay(py: Any, jl: Any, title: str) -> Figure:
    """Python's filters over Julia's, and the largest difference between them."""
    py, jl = np.asarray(py), np.asarray(jl)
    count = min(8, py.shape[0])
    fig = new_figure(count * 1.0 + 0.8, 2.9)
    for row, (name, f) in enumerate((("Python", py), ("Julia", jl))):
        for i in range(count):
            ax = fig.add_subplot(2, count, row * count + i + 1, xticks=[], yticks=[])
            ax.imshow(f[i, 0], cmap="gray_r", interpolation="nearest")
            if i == 0:
                ax.set_ylabel(name)
    diff = float(np.max(np.abs(py - jl))) if py.shape == jl.shape else float("nan")
    fig.suptitle(f"{title}: the first {count}; largest |Python − Julia| over all: {diff:.3g}")
    return fig


def _overlay(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    @functools.wraps(draw)
    def wrapper(py: dict[str, Any], jl: dict[str, Any], *, data: str | None = None) -> Figure:
        if not isinstance(py, Mapping) or not isinstance(jl, Mapping):
            raise TypeError("an overlay takes two result dicts (Python's, then Julia's)")
        with matplotlib.rc_context(STYLE):
            fig = draw(py, jl, data)
        fig.suptitle(
            f"{fig.get_suptitle()}\nPython (pyref) and Julia (PyRef), same seed"
            if fig.get_suptitle()
            else "Python (pyref) and Julia (PyRef), same seed"
        )
        return fig

    return wrapper


@_overlay
def optimizer_compare_naive_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.1.7: both languages' paths in each optimizer's panel."""
    return naive_panels([py, jl])


@_overlay
def optimizer_compare_mnist_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.1.8: both languages' smoothed training losses."""
    return loss_curves([py, jl], (0, 1), "Optimizers", data)


@_overlay
def weight_init_activation_histogram_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.2.2: the spread of each layer's activations, both languages."""
    return _std_per_layer(py, jl, data)


@_overlay
def weight_init_compare_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.2.4: both languages' smoothed training losses."""
    return loss_curves([py, jl], (0, 2.5), "Initial weight scales (ReLU net, SGD)", data)


@_overlay
def batch_norm_test_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.3.2: final training accuracy against the weight scale, both languages."""
    return _final_accuracy_by_scale(py, jl, data)


@_overlay
def batch_norm_gradient_check_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.3: both languages' gradient differences side by side."""
    return _check_overlay(py, jl, convnet=False)


@_overlay
def overfit_weight_decay_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.4.2: both languages' accuracy curves per variant."""
    return accuracy_panels([py, jl], "Overfitting (300 training images) and weight decay", data)


@_overlay
def overfit_dropout_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.4.3: both languages' accuracy curves with and without Dropout."""
    return accuracy_panels([py, jl], "Overfitting (300 training images) and Dropout", data)


@_overlay
def hyperparameter_optimization_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.5.3: both languages' draws and each trial's result."""
    return _search_overlay(py, jl, data)


@_overlay
def gradient_vanishing_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """Both languages' test accuracy curves."""
    return vanishing_curves([py, jl], data)


@_overlay
def train_convnet_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """7.5: both languages' accuracy and loss curves."""
    return convnet_curves([py, jl], data)


@_overlay
def convnet_gradient_check_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """7.5: both languages' gradient differences side by side."""
    return _check_overlay(py, jl, convnet=True)


@_overlay
def visualize_filter_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """7.6.1: the trained filters of both languages."""
    return _filters_overlay(
        py["trained_W1"], jl["trained_W1"], f"trained filters ({py['trained']})"
    )


@_overlay
def apply_filter_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """7.6.1: both languages' filter outputs."""
    return _filters_overlay(
        np.asarray(py["outputs"])[:, None],
        np.asarray(jl["outputs"])[:, None],
        f"test digit {py['image_index']} through each filter",
    )


@_overlay
def neuralnet_mnist_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """3.6.2: both languages' predictions of the first test digits, and accuracies."""
    return digit_row([py, jl], ["Python ", "Julia "], data)


@_overlay
def gradient_descent_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """4.4.1: both languages' paths."""
    return descent_path([py, jl])


@_overlay
def train_two_layer_net_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """5.7.4 (4.5.2): both languages' accuracy and loss curves."""
    return two_layer_curves([py, jl], data)


@_overlay
def gradient_check_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """5.7.3: both languages' gradient differences side by side."""
    return gradient_bars(
        [py["diff"], jl["diff"]],
        ["Python (pyref)", "Julia (PyRef)"],
        ylabel="mean |backprop − numerical|",
        title=gradient_check_title(py),
    )


@_overlay
def cs231n_update_rules_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """CS231n: both languages' losses and accuracies per update rule."""
    return rule_panels([py, jl], data)


@_overlay
def cs231n_overfit_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """CS231n: both languages' overfit curves."""
    return overfit_panels([py, jl], data)


@_overlay
def train_deepnet_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """8.1: both languages' accuracy and loss curves."""
    return convnet_curves([py, jl], data, net="DeepConvNet")


@_overlay
def half_float_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """8.3.4: both languages' accuracies in float64 and float16."""
    return accuracy_bars([py, jl], ["Python", "Julia"], data)


@_overlay
def misclassified_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """8.1: Python's misclassified digits, each with both languages' predictions."""
    return digit_grid(py, "Misclassified test digits, label → Python's / Julia's prediction", jl)
