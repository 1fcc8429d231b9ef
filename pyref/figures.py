"""One figure per experiment, drawn from the data its function returned, titled and
labelled like the book's figures. Figures are built with matplotlib's object API
(no pyplot global state) and rendered by the Agg backend."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from matplotlib.figure import Figure

from pyref.functions import SMOOTH_WINDOW, smooth_curve

MARKERS = ("o", "x", "s", "D", "^", "v")


def _smooth(values: list[float]) -> np.ndarray:
    return smooth_curve(values) if len(values) >= SMOOTH_WINDOW else np.asarray(values)


def optimizer_compare_naive(result: dict[str, Any]) -> Figure:
    """6.1.7 (figure 6-8): each optimizer's path over the contours of f(x, y) = x²/20 + y²."""
    fig = Figure(figsize=(9, 8))
    x = np.arange(-10, 10, 0.01)
    y = np.arange(-5, 5, 0.01)
    X, Y = np.meshgrid(x, y)
    Z = X**2 / 20.0 + Y**2
    Z[Z > 7] = 0
    for i, (name, path) in enumerate(result["paths"].items()):
        ax = fig.add_subplot(2, 2, i + 1)
        ax.plot(path["x"], path["y"], "o-", color="red", markersize=3)
        ax.contour(X, Y, Z)
        ax.plot(0, 0, "+")
        ax.set_xlim(-10, 10)
        ax.set_ylim(-10, 10)
        ax.set_title(name)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    fig.tight_layout()
    return fig


def _loss_curves(result: dict[str, Any], ylim: tuple[float, float], title: str) -> Figure:
    fig = Figure(figsize=(7, 5))
    ax = fig.add_subplot(1, 1, 1)
    for i, (name, losses) in enumerate(result["train_loss"].items()):
        curve = _smooth(losses)
        ax.plot(np.arange(len(curve)), curve, marker=MARKERS[i % len(MARKERS)],
                markevery=max(1, len(curve) // 20), label=name)  # fmt: skip
    ax.set_xlabel("iterations")
    ax.set_ylabel("loss")
    ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.legend()
    return fig


def optimizer_compare_mnist(result: dict[str, Any]) -> Figure:
    """6.1.8 (figure 6-9): smoothed training loss per optimizer."""
    return _loss_curves(result, (0, 1), "Optimizers on MNIST")


def weight_init_compare(result: dict[str, Any]) -> Figure:
    """6.2.4 (figure 6-14): smoothed training loss per initial weight scale."""
    return _loss_curves(result, (0, 2.5), "Initial weight scales on MNIST")


def weight_init_activation_histogram(result: dict[str, Any]) -> Figure:
    """6.2.2-6.2.3 (figures 6-10 to 6-13): per activation and scale, each layer's histogram."""
    edges = np.asarray(result["edges"])
    rows = [(act, init, counts) for act, by_init in result["counts"].items()
            for init, counts in by_init.items()]  # fmt: skip
    n_layers = len(rows[0][2])
    fig = Figure(figsize=(2.2 * n_layers, 1.6 * len(rows)))
    width = np.diff(edges)
    for r, (act, init, counts) in enumerate(rows):
        for layer, layer_counts in enumerate(counts):
            ax = fig.add_subplot(len(rows), n_layers, r * n_layers + layer + 1)
            ax.bar(edges[:-1], layer_counts, width=width, align="edge")
            ax.set_xlim(0, 1)
            if r == 0:
                ax.set_title(f"{layer + 1}-layer")
            if layer == 0:
                ax.set_ylabel(f"{act}\n{init}", fontsize=8)
            else:
                ax.set_yticks([])
            ax.tick_params(labelsize=6)
    fig.tight_layout()
    return fig


def batch_norm_test(result: dict[str, Any]) -> Figure:
    """6.3.2 (figure 6-19): training accuracy with (solid) and without (dashed) Batch Norm."""
    scales = result["weight_scales"]
    cols = 4
    rows = math.ceil(len(scales) / cols)
    fig = Figure(figsize=(12, 2.8 * rows))
    for i, w in enumerate(scales):
        ax = fig.add_subplot(rows, cols, i + 1)
        bn, plain = result["bn_train_acc"][i], result["train_acc"][i]
        ax.plot(np.arange(len(bn)), bn, label="Batch Normalization", markevery=2)
        ax.plot(np.arange(len(plain)), plain, linestyle="--", label="Normal(without BatchNorm)",
                markevery=2)  # fmt: skip
        ax.set_title(f"W:{w:.3g}")
        ax.set_ylim(0, 1.0)
        if i % cols:
            ax.set_yticks([])
        else:
            ax.set_ylabel("accuracy")
        if i < len(scales) - cols:
            ax.set_xticks([])
        else:
            ax.set_xlabel("epochs")
        if i == len(scales) - 1:
            ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return fig


def _gradient_check_bars(diff: dict[str, float], *, ylabel: str, title: str, width: float,
                         rotate: bool) -> Figure:  # fmt: skip
    """Mean |difference| of the two gradients per parameter as bars on a log axis (a
    zero is drawn at 1e-20, the axis cannot show it)."""
    fig = Figure(figsize=(width, 4))
    ax = fig.add_subplot(1, 1, 1)
    keys = list(diff)
    ax.bar(keys, [max(diff[k], 1e-20) for k in keys])
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if rotate:
        ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    return fig


def batch_norm_gradient_check(result: dict[str, Any]) -> Figure:
    """Mean |backprop − numerical| per parameter, on a log axis."""
    return _gradient_check_bars(result["diff"], ylabel="mean |backprop − numerical|",
                                title="Gradient check of a Batch Normalization net", width=7,
                                rotate=True)  # fmt: skip


def _accuracy_panels(variants: dict[str, dict[str, Any]], title: str) -> Figure:
    fig = Figure(figsize=(5 * len(variants), 4))
    for i, (label, v) in enumerate(variants.items()):
        ax = fig.add_subplot(1, len(variants), i + 1)
        x = np.arange(len(v["train_acc"]))
        ax.plot(x, v["train_acc"], marker="o", label="train", markevery=10)
        ax.plot(x, v["test_acc"], marker="s", label="test", markevery=10)
        ax.set_xlabel("epochs")
        ax.set_ylabel("accuracy")
        ax.set_ylim(0, 1.0)
        ax.set_title(f"{title}: {label}")
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def overfit_weight_decay(result: dict[str, Any]) -> Figure:
    """6.4.2 (figures 6-20, 6-21): train vs test accuracy per weight-decay variant."""
    return _accuracy_panels(result["variants"], "weight decay")


def overfit_dropout(result: dict[str, Any]) -> Figure:
    """6.4.3 (figure 6-23): train vs test accuracy with and without Dropout."""
    return _accuracy_panels(result["variants"], "Dropout")


def gradient_vanishing(result: dict[str, Any]) -> Figure:
    """Test accuracy per epoch of the three activation/initialisation pairs."""
    fig = Figure(figsize=(7, 5))
    ax = fig.add_subplot(1, 1, 1)
    for i, (label, v) in enumerate(result["configs"].items()):
        ax.plot(v["test_acc"], marker=MARKERS[i], label=label)
    ax.set_xlabel("epochs")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.0)
    ax.set_title("Gradient vanishing: 784-40-20-10")
    ax.legend(loc="lower right")
    return fig


def hyperparameter_optimization(result: dict[str, Any], n: int = 20) -> dict[str, Figure]:
    """6.5.3 (figure 6-24): the Best-20 grid (validation solid, training dashed), and a
    scatter of final validation accuracy over (lr, weight decay) on log axes."""
    trials = sorted(result["trials"], key=lambda tr: tr["final_val_acc"], reverse=True)[:n]
    cols = 5
    rows = math.ceil(len(trials) / cols)
    grid = Figure(figsize=(12, 2.4 * rows))
    for i, tr in enumerate(trials):
        ax = grid.add_subplot(rows, cols, i + 1)
        ax.set_title(f"Best-{i + 1}")
        ax.set_ylim(0.0, 1.0)
        if i % cols:
            ax.set_yticks([])
        ax.set_xticks([])
        x = np.arange(len(tr["val_acc_list"]))
        ax.plot(x, tr["val_acc_list"])
        ax.plot(x, tr["train_acc_list"], "--")
    grid.tight_layout()
    scatter = Figure(figsize=(6, 5))
    ax = scatter.add_subplot(1, 1, 1)
    lr = [tr["lr"] for tr in result["trials"]]
    wd = [tr["weight_decay"] for tr in result["trials"]]
    acc = [tr["final_val_acc"] for tr in result["trials"]]
    points = ax.scatter(lr, wd, c=acc, cmap="viridis", vmin=0, vmax=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("weight decay")
    ax.set_title("final validation accuracy")
    scatter.colorbar(points, ax=ax, label="validation accuracy")
    return {"best": grid, "scatter": scatter}


def train_convnet(result: dict[str, Any]) -> Figure:
    """7.5 (figure 7-22's run): train and test accuracy per epoch, and the batch loss."""
    fig = Figure(figsize=(11, 4))
    ax = fig.add_subplot(1, 2, 1)
    x = np.arange(len(result["train_acc"]))
    ax.plot(x, result["train_acc"], marker="o", label="train", markevery=2)
    ax.plot(x, result["test_acc"], marker="s", label="test", markevery=2)
    ax.set_xlabel("epochs")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.0)
    ax.set_title(f"SimpleConvNet (final test accuracy {result['final_test_acc']:.4f})")
    ax.legend(loc="lower right")
    ax = fig.add_subplot(1, 2, 2)
    ax.plot(_smooth(result["train_loss"]))
    ax.set_xlabel("iterations")
    ax.set_ylabel("loss (smoothed)")
    ax.set_title("training loss")
    fig.tight_layout()
    return fig


def convnet_gradient_check(result: dict[str, Any]) -> Figure:
    """gradient_check.py: mean |numerical − backprop| per parameter, on a log axis."""
    return _gradient_check_bars(result["diff"], ylabel="mean |numerical − backprop|",
                                title="Gradient check of SimpleConvNet", width=6,
                                rotate=False)  # fmt: skip


def filter_grid(filters: Any, title: str, nx: int = 8) -> Figure:
    """Each filter's first channel as a grey image (dark = large), ``nx`` per row, as the
    book's filter_show draws them."""
    filters = np.asarray(filters)
    count = filters.shape[0]
    ny = int(np.ceil(count / nx))
    fig = Figure(figsize=(nx * 1.0, ny * 1.0 + 0.4))
    for i in range(count):
        ax = fig.add_subplot(ny, nx, i + 1, xticks=[], yticks=[])
        ax.imshow(filters[i, 0], cmap="gray_r", interpolation="nearest")
    fig.suptitle(title)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=0.88, hspace=0.05, wspace=0.05)
    return fig


def visualize_filter(result: dict[str, Any]) -> dict[str, Figure]:
    """7.6.1 (figure 7-24): the 30 first-layer filters before and after training."""
    return {
        "before": filter_grid(result["initial_W1"], "first-layer filters: random initial weights"),
        "after": filter_grid(result["trained_W1"], f"after training ({result['trained']})"),
    }


def apply_filter(result: dict[str, Any]) -> dict[str, Figure]:
    """7.6.1 (figures 7-25, 7-26): learned filters, and each applied to a digit."""
    outputs = np.asarray(result["outputs"])
    nx = 4
    ny = int(np.ceil((outputs.shape[0] + 1) / nx))
    fig = Figure(figsize=(nx * 1.6, ny * 1.6 + 0.4))
    ax = fig.add_subplot(ny, nx, 1, xticks=[], yticks=[])
    ax.imshow(np.asarray(result["image"]), cmap="gray_r", interpolation="nearest")
    ax.set_title("input", fontsize=8)
    for i, out in enumerate(outputs):
        ax = fig.add_subplot(ny, nx, i + 2, xticks=[], yticks=[])
        ax.imshow(out, cmap="gray_r", interpolation="nearest")
        ax.set_title(f"filter {i}", fontsize=8)
    fig.suptitle(f"test digit {result['image_index']} through each filter")
    fig.tight_layout()
    return {"filters": filter_grid(result["filters"], "learned filters", nx=nx), "outputs": fig}


#: Figure functions by experiment name (one Figure, or a dict name → Figure).
FIGURES: dict[str, Callable[[dict[str, Any]], Figure | dict[str, Figure]]] = {
    "optimizer-compare-naive": optimizer_compare_naive,
    "optimizer-compare-mnist": optimizer_compare_mnist,
    "weight-init-activation-histogram": weight_init_activation_histogram,
    "weight-init-compare": weight_init_compare,
    "batch-norm-test": batch_norm_test,
    "batch-norm-gradient-check": batch_norm_gradient_check,
    "overfit-weight-decay": overfit_weight_decay,
    "overfit-dropout": overfit_dropout,
    "hyperparameter-optimization": hyperparameter_optimization,
    "gradient-vanishing": gradient_vanishing,
    "train-convnet": train_convnet,
    "convnet-gradient-check": convnet_gradient_check,
    "visualize-filter": visualize_filter,
    "apply-filter": apply_filter,
}
