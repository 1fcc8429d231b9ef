"""The figures of chapter 6's experiments (6.1 optimizers, 6.2 initial weights, 6.3
Batch Normalization, 6.4 regularization, 6.5 the hyperparameter search), drawn from the
data :mod:`pyref.experiments.chapter6` returns; each ``NAME(result, data=...)``. The
panels that draw one language or both (``naive_panels``, ``loss_curves``, ...) are
shared with :mod:`pyref.figures.overlays`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pyref.checks import check_positive_int
from pyref.experiments.chapter6 import NAIVE_INIT_POS, NAIVE_OPTIMIZERS
from pyref.figures.style import (
    JULIA_MARK,
    MARKERS,
    accuracy_or_nan,
    epoch_axis,
    gradient_bars,
    language_handles,
    mark_every,
    new_figure,
    note_off_range,
    on_data,
    smoothed,
    styled,
)


def _contours(ax: Any) -> None:
    x = np.arange(-10, 10, 0.01)
    y = np.arange(-5, 5, 0.01)
    X, Y = np.meshgrid(x, y)
    Z = X**2 / 20.0 + Y**2
    Z[Z > 7] = 0  # the book's way of keeping the contours near the minimum
    ax.contour(X, Y, Z, colors="lightgrey", linewidths=0.8)
    ax.plot(0, 0, "+", color="black", markersize=10)


def naive_panels(results: Sequence[dict[str, Any]]) -> Figure:
    """One panel per optimizer: Python's path (and Julia's over it when ``results`` holds two)."""
    first = results[0]
    paths = first["paths"]
    fig = new_figure(9, 8.2)
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    for ax, name in zip(axes, paths):
        _contours(ax)
        ax.plot(
            paths[name]["x"],
            paths[name]["y"],
            "o-",
            color="red",
            markersize=3,
            label="Python (pyref)" if len(results) > 1 else "path",
        )
        if len(results) > 1:
            jl = results[1]["paths"][name]
            ax.plot(jl["x"], jl["y"], color="navy", label="Julia (PyRef)", **JULIA_MARK)
        lr = NAIVE_OPTIMIZERS.get(name, ("", {}))[1].get("lr")
        ax.set_title(f"{name}" + (f" (lr={lr:g})" if lr is not None else ""))
        ax.set_xlim(-10, 10)
        ax.set_ylim(-10, 10)
    for ax in axes[2:]:
        ax.set_xlabel("x")
    for ax in axes[::2]:
        ax.set_ylabel("y")
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Line2D([], [], marker="+", color="black", linestyle="none", markersize=10))
    labels.append("minimum (0, 0)")
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    x0, y0 = first.get("init_pos", NAIVE_INIT_POS)
    fig.suptitle(
        f"f(x, y) = x²/20 + y²: {first.get('steps', len(paths[name]['x']))} steps "
        f"from ({x0:g}, {y0:g})"
    )
    return fig


@styled
def optimizer_compare_naive(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.1.7 (figure 6-8): each optimizer's path over the contours of f(x, y) = x²/20 + y²."""
    return naive_panels([result])


def loss_curves(
    results: Sequence[dict[str, Any]], ylim: tuple[float, float], title: str, data: str | None
) -> Figure:
    """Smoothed training losses by label on the axis ``ylim`` (Julia's over them when two)."""
    fig = new_figure(7.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    curves = {name: smoothed(losses) for name, losses in results[0]["train_loss"].items()}
    for i, (name, curve) in enumerate(curves.items()):
        x = np.arange(len(curve))
        if len(results) == 1:
            ax.plot(
                x,
                curve,
                marker=MARKERS[i % len(MARKERS)],
                markevery=mark_every(len(curve), 20),
                label=name,
            )
        else:
            (line,) = ax.plot(x, curve, label=name)
            jl = smoothed(results[1]["train_loss"][name])
            ax.plot(
                np.arange(len(jl)),
                jl,
                color=line.get_color(),
                markevery=mark_every(len(jl)),
                **JULIA_MARK,
            )
    ax.set_xlabel("iterations")
    ax.set_ylabel("training loss (smoothed)")
    ax.set_ylim(*ylim)
    first = results[0]
    batch = f", batches of {first['batch_size']}" if "batch_size" in first else ""
    ax.set_title(f"{title}{on_data(data)}{batch}")
    off = note_off_range(ax, curves, ylim[1])
    handles, labels = ax.get_legend_handles_labels()
    labels = [f"{lab} (above the plot)" if lab in off else lab for lab in labels]
    if len(results) > 1:
        handles += language_handles()
        labels += [h.get_label() for h in language_handles()]
    ax.legend(
        handles,
        labels,
        loc="upper right",
        bbox_to_anchor=(1, 0.9) if len(results) > 1 else None,
        ncol=1,
    )
    return fig


@styled
def optimizer_compare_mnist(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.1.8 (figure 6-9): smoothed training loss per optimizer, on the book's 0-1 axis."""
    return loss_curves([result], (0, 1), "Optimizers", data)


# -- 6.2 ------------------------------------------------------------------------------


@styled
def weight_init_compare(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.2.4 (figure 6-14): smoothed training loss per initial weight scale."""
    return loss_curves([result], (0, 2.5), "Initial weight scales (ReLU net, SGD)", data)


def _fitted_layers(result: dict[str, Any], act: str, init: str) -> tuple[list, list, list | None]:
    """Each layer's (edges, counts, zero count) over the activation's own range, or the
    book's (0, 1) counts for a result that has no fitted histograms."""
    fitted = result.get("fitted", {}).get(act, {}).get(init)
    if fitted is not None:
        return fitted["edges"], fitted["counts"], (fitted["zeros"] if act == "relu" else None)
    counts = result["counts"][act][init]
    return [result["edges"]] * len(counts), counts, None


@styled
def weight_init_activation_histogram(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.2.2-6.2.3 (figures 6-10 to 6-13): per activation and scale, each layer's histogram,
    over a range that fits the activation: the book's 0-1 for sigmoid, -1-1 for tanh, and
    for ReLU 0 to the layer's largest output, with its spike of exact zeros given as text."""
    rows = [(act, init) for act, by_init in result["counts"].items() for init in by_init]
    n_layers = len(result["counts"][rows[0][0]][rows[0][1]])
    fig = new_figure(2.3 * n_layers + 0.6, 1.45 * len(rows) + 0.9)
    for r, (act, init) in enumerate(rows):
        edges, counts, zeros = _fitted_layers(result, act, init)
        stats = result.get("stats", {}).get(act, {}).get(init)
        for layer in range(n_layers):
            ax = fig.add_subplot(len(rows), n_layers, r * n_layers + layer + 1)
            e = np.asarray(edges[layer])
            ax.bar(e[:-1], counts[layer], width=np.diff(e), align="edge")
            ax.set_xlim(e[0], e[-1])
            ax.set_yticks([])
            if zeros is None:  # a fixed range: its ends and middle
                ax.set_xticks([e[0], (e[0] + e[-1]) / 2, e[-1]])
            else:
                ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.2g}"))
            if r == 0:
                ax.set_title(f"{layer + 1}-layer", fontsize=11)
            if layer == 0:
                ax.set_ylabel(f"{act}\n{init}", fontsize=10)
            notes = []
            if zeros is not None:
                total = sum(counts[layer]) + zeros[layer]
                notes.append(f"zeros: {zeros[layer] / max(total, 1):.0%}")
            if stats is not None and zeros is not None:
                notes.append(f"mean {stats['mean'][layer]:.3g}")
            if notes:
                ax.text(
                    0.97,
                    0.95,
                    "\n".join(notes),
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=8.5,
                )
    fig.suptitle(
        _fit_lines(
            fig,
            "Activations of each layer (bar heights: counts, each panel its own scale)",
            "sigmoid over (0, 1) as in the book",
            "tanh over (−1, 1)",
            "ReLU over (0, the layer's largest output), its exact zeros left out of the bars",
        )
    )
    return fig


def _fit_lines(fig: Figure, first: str, *clauses: str) -> str:
    """A title of a first line and clauses joined by "; ", broken between clauses (and
    within one only if it alone is too long) to fit the figure's width: a run of few
    layers draws a narrow figure."""
    per_line = int(fig.get_figwidth() * 10)
    lines = [first]
    current = ""
    for clause in clauses:
        joined = f"{current}; {clause}" if current else clause
        if current and len(joined) > per_line:
            lines.append(current + ";")
            current = clause
        else:
            current = joined
    lines.append(current)
    return "\n".join(textwrap.fill(line, per_line) for line in lines)


def vanishing_curves(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    """Test accuracy per epoch of each configuration (Julia's over it when two)."""
    fig = new_figure(7.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    for i, (label, v) in enumerate(results[0]["configs"].items()):
        x = np.arange(len(v["test_acc"]))
        if len(results) == 1:
            ax.plot(x, v["test_acc"], marker=MARKERS[i], label=label)
        else:
            (line,) = ax.plot(x, v["test_acc"], label=label)
            ax.plot(
                x, results[1]["configs"][label]["test_acc"], color=line.get_color(), **JULIA_MARK
            )
    epoch_axis(ax)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.0)
    ax.set_title(f"Gradient vanishing: 784-40-20-10{on_data(data)}")
    handles, labels = ax.get_legend_handles_labels()
    if len(results) > 1:
        handles += language_handles()
        labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=3 if len(results) == 1 else 2)
    return fig


@styled
def gradient_vanishing(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """Test accuracy per epoch of the three activation/initialisation pairs."""
    return vanishing_curves([result], data)


# -- 6.3 ------------------------------------------------------------------------------


@styled
def batch_norm_test(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.3.2 (figure 6-19): training accuracy with (solid) and without (dashed) Batch Norm,
    one panel per initial weight scale."""
    scales = result["weight_scales"]
    cols = min(4, len(scales))
    rows = math.ceil(len(scales) / cols)
    fig = new_figure(3.1 * cols, 2.3 * rows + 1.0)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for i, w in enumerate(scales):
        ax = axes[i]
        bn, plain = result["bn_train_acc"][i], result["train_acc"][i]
        ax.plot(np.arange(len(bn)), bn, label="with Batch Normalization")
        ax.plot(np.arange(len(plain)), plain, linestyle="--", label="without (normal)")
        ax.set_title(f"initial weight std {w:.3g}")
        ax.set_ylim(0, 1.0)
    for ax in axes[len(scales) :]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel("training accuracy")
    for i in range(len(scales)):
        if i >= len(scales) - cols:
            epoch_axis(axes[i])
            axes[i].xaxis.set_tick_params(labelbottom=True)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    fig.suptitle(f"Batch Normalization against the initial weight scale{on_data(data)}")
    return fig


def bn_check_title(result: dict[str, Any]) -> tuple[str, str | None]:
    """The gradient check's title and, for a batch of one image, the note explaining it."""
    hidden = "-".join(str(h) for h in result.get("hidden", []))
    samples = result.get("samples")
    title = f"Gradient check of a Batch Normalization net ({hidden or '?'} hidden"
    title += f", {samples} image{'s' if samples != 1 else ''})" if samples else ")"
    note = None
    if samples == 1:
        note = (
            "A batch of one image (the book's): each Batch Normalization layer subtracts the "
            "batch's mean from itself, so it outputs β whatever it receives and most "
            "gradients are exactly 0 in both methods; the check says little, and a "
            "difference such as β's of the last layer comes from this degenerate batch. "
            "The 6.3 notebook checks ten images."
        )
    return title, note


@styled
def batch_norm_gradient_check(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """Mean |backprop − numerical| per parameter, on a log axis, explained for the book's
    batch of one image."""
    title, note = bn_check_title(result)
    return gradient_bars(
        [result["diff"]], ["Python"], ylabel="mean |backprop − numerical|", title=title, note=note
    )


# -- 6.4 ------------------------------------------------------------------------------


def _baseline_first(variants: Mapping[str, dict[str, Any]]) -> list[str]:
    """Variant labels with the unregularised one (λ = 0, no dropout) first."""

    def plain(label: str) -> bool:
        v = variants[label]
        return v.get("lambda", 1) == 0 or v.get("dropout_ratio", 1) == 0

    return [k for k in variants if plain(k)] + [k for k in variants if not plain(k)]


def accuracy_panels(results: Sequence[dict[str, Any]], title: str, data: str | None) -> Figure:
    """One panel per variant: training and test accuracy per epoch (Julia's over them when two)."""
    variants = results[0]["variants"]
    order = _baseline_first(variants)
    fig = new_figure(4.3 * len(order), 4.2)
    axes = fig.subplots(1, len(order), sharey=True, squeeze=False)[0]
    for ax, label in zip(axes, order):
        v = variants[label]
        x = np.arange(len(v["train_acc"]))
        ax.plot(x, v["train_acc"], color="C0", label="training data")
        ax.plot(x, v["test_acc"], color="C1", linestyle="--", label="test data")
        if len(results) > 1:
            jl = results[1]["variants"][label]
            ax.plot(x, jl["train_acc"], color="C0", markevery=mark_every(len(x)), **JULIA_MARK)
            ax.plot(x, jl["test_acc"], color="C1", markevery=mark_every(len(x)), **JULIA_MARK)
        epoch_axis(ax)
        ax.set_ylim(0, 1.0)
        ratio = v.get("dropout_ratio")
        ax.set_title(f"{label} (ratio {ratio:g})" if ratio else label)
    axes[0].set_ylabel("accuracy")
    handles, labels = axes[0].get_legend_handles_labels()
    if len(results) > 1:
        handles += language_handles()
        labels += [h.get_label() for h in language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    fig.suptitle(f"{title}{on_data(data)}")
    return fig


@styled
def overfit_weight_decay(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.4.2 (figures 6-20, 6-21): train vs test accuracy per weight-decay variant, the
    variant without decay first."""
    return accuracy_panels([result], "Overfitting (300 training images) and weight decay", data)


@styled
def overfit_dropout(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.4.3 (figure 6-23): train vs test accuracy without and with Dropout."""
    return accuracy_panels([result], "Overfitting (300 training images) and Dropout", data)


# -- 6.5 ------------------------------------------------------------------------------


def _best_grid(trials: Sequence[dict[str, Any]], n: int, data: str | None) -> Figure:
    measured = [tr for tr in trials if tr["final_val_acc"] is not None]  # None: no epoch measured
    best = sorted(measured, key=lambda tr: tr["final_val_acc"], reverse=True)[:n]
    cols = min(5, max(1, len(best)))
    rows = max(1, math.ceil(len(best) / cols))
    fig = new_figure(2.6 * cols + 0.4, 2.1 * rows + 1.1)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for i, tr in enumerate(best):
        ax = axes[i]
        x = np.arange(len(tr["val_acc_list"]))
        ax.plot(x, tr["val_acc_list"], color="C0", label="validation accuracy")
        ax.plot(x, tr["train_acc_list"], color="C1", linestyle="--", label="training accuracy")
        ax.set_ylim(0.0, 1.0)
        ax.set_title(
            f"Best-{i + 1}: val {tr['final_val_acc']:.2f}\n"
            f"lr {tr['lr']:.2g}, wd {tr['weight_decay']:.2g}",
            fontsize=9,
        )
    for ax in axes[len(best) :]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel("accuracy")
    for i in range(len(best)):
        if i >= len(best) - cols:
            epoch_axis(axes[i])
            axes[i].xaxis.set_tick_params(labelbottom=True)
    if best:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    fig.suptitle(
        f"Best {len(best)} of {len(trials)} trials by final validation accuracy"
        f"{on_data(data)}\n(lr: learning rate, wd: weight decay)"
    )
    return fig


def _scatter(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    trials = results[0]["trials"]
    fig = new_figure(6.8, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    points = ax.scatter(
        [tr["lr"] for tr in trials],
        [tr["weight_decay"] for tr in trials],
        c=[accuracy_or_nan(tr) for tr in trials],
        cmap="viridis",
        vmin=0,
        vmax=1,
        label="Python (pyref)" if len(results) > 1 else None,
    )
    measured = [tr for tr in trials if tr["final_val_acc"] is not None]
    if measured:
        top = max(measured, key=lambda tr: tr["final_val_acc"])
        ax.scatter(
            [top["lr"]],
            [top["weight_decay"]],
            s=220,
            marker="*",
            facecolors="none",
            edgecolors="red",
            label=f"best: {top['final_val_acc']:.3f}",
        )
    if len(results) > 1:
        jl = results[1]["trials"]
        ax.scatter(
            [tr["lr"] for tr in jl],
            [tr["weight_decay"] for tr in jl],
            s=120,
            facecolors="none",
            edgecolors="black",
            label="Julia (PyRef)",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("weight decay λ")
    ax.set_title(f"{len(trials)} random trials{on_data(data)}")
    ax.legend(loc="best", fontsize=8)
    fig.colorbar(points, ax=ax, label="final validation accuracy")
    return fig


@styled
def hyperparameter_optimization(
    result: dict[str, Any], n: int = 20, *, data: str | None = None
) -> dict[str, Figure]:
    """6.5.3 (figure 6-24): the Best-n grid (validation solid, training dashed, each panel
    its lr and weight decay), and the trials' final validation accuracy over (lr, weight
    decay) on log axes."""
    try:
        n = check_positive_int("n", n)
    except (TypeError, ValueError):
        raise ValueError(f"n must be a positive integer, got {n!r}") from None
    return {"best": _best_grid(result["trials"], n, data), "scatter": _scatter([result], data)}
