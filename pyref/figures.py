"""The figures of every experiment, drawn from the data its function returned: the plots
the book draws, with what a reader needs to read them alone (a legend for every line
style, each panel's settings, the data set's name, a note where a line leaves the
plotted range). One module for `pyref run`, `pyref search` and the notebooks (each experiment's
record in :mod:`pyref.experiments.registry` names its figure and overlay), so that
they cannot drift apart.

- ``NAME(result, data=...)``: experiment NAME's figure (or a dict name -> figure);
- ``NAME_overlay(python_result, julia_result, data=...)``: both languages in one
  figure (Python as lines or filled marks, Julia as open circles on top);
- ``labelled(fig, language)``: a banner naming the language that computed a figure.

Figures use matplotlib's object API (no pyplot state), the Agg backend, constrained
layout (labels are never clipped), and :data:`STYLE` (DejaVu Sans, readable ticks).
``data`` names the data set: ``"embedded"``, ``"mnist"`` or any text; None names none.
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Callable

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pyref.checks import check_positive_int
from pyref.experiments.chapter6 import NAIVE_INIT_POS, NAIVE_OPTIMIZERS
from pyref.functions import SMOOTH_WINDOW, smooth_curve

MARKERS = ("o", "x", "s", "D", "^", "v")
#: The one style of every figure: matplotlib's default font, ticks large enough to read.
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12,
    "axes.prop_cycle": matplotlib.cycler(
        color=matplotlib.rcParamsDefault["axes.prop_cycle"].by_key()["color"]
    ),
    "lines.linewidth": 1.5,
    "image.cmap": "viridis",
}
#: Short names of the data sources (``pyref.datasets.SOURCES``) for titles.
DATA_NAMES = {"embedded": "the embedded MNIST subset", "mnist": "MNIST"}
#: How Julia's results are drawn over Python's in an overlay.
JULIA_MARK: dict[str, Any] = {
    "marker": "o",
    "linestyle": "none",
    "fillstyle": "none",
    "markersize": 6,
    "markeredgewidth": 1.2,
}

FigureFunc = Callable[..., "Figure | dict[str, Figure]"]


def styled(func: FigureFunc) -> FigureFunc:
    """Draw ``func``'s figure under :data:`STYLE` whatever the caller's rcParams."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of the shared style, laid out by matplotlib's constrained layout."""
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def data_name(data: str | None) -> str | None:
    """The data set as a title names it (``"embedded"`` -> "the embedded MNIST subset")."""
    if data is None:
        return None
    if not isinstance(data, str):
        raise TypeError(f"data must be a source name or text, got {type(data).__name__}")
    return DATA_NAMES.get(data, data)


def _on(data: str | None) -> str:
    name = data_name(data)
    return f" on {name}" if name else ""


def labelled(fig: Figure, language: str) -> Figure:
    """``fig`` with a bold banner naming the language that computed it."""
    if not isinstance(language, str) or not language:
        raise ValueError(f"language must be a non-empty string, got {language!r}")
    fig.suptitle(
        language + (f"\n{fig.get_suptitle()}" if fig.get_suptitle() else ""), fontweight="bold"
    )
    return fig


def _smooth(values: Sequence[float]) -> np.ndarray:
    return smooth_curve(values) if len(values) >= SMOOTH_WINDOW else np.asarray(values, float)


def _every(n: int, marks: int = 25) -> int:
    return max(1, n // marks)


def _epochs(ax: Any) -> None:
    """An x axis of epochs: so labelled, ticks on whole epochs."""
    ax.set_xlabel("epochs")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _language_handles() -> list[Line2D]:
    """Legend entries that say how an overlay draws each language."""
    return [
        Line2D([], [], color="dimgrey", label="Python (pyref): lines"),
        Line2D([], [], color="dimgrey", label="Julia (PyRef): circles", **JULIA_MARK),
    ]


def _note_off_range(ax: Any, curves: Mapping[str, np.ndarray], top: float) -> set[str]:
    """Say which curves never come down into the plotted range (below ``top``); their names."""
    off = {name: float(np.nanmin(c)) for name, c in curves.items() if len(c) and np.nanmin(c) > top}
    if off:
        text = "; ".join(f"{n} stays above {top:g} (lowest {v:.3g})" for n, v in off.items())
        ax.text(
            0.5,
            0.98,
            f"off the plot: {text}",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=9,
            color="dimgrey",
            bbox={"facecolor": "white", "edgecolor": "lightgrey", "alpha": 0.9},
        )
    return set(off)


# -- 6.1 ------------------------------------------------------------------------------


def _contours(ax: Any) -> None:
    x = np.arange(-10, 10, 0.01)
    y = np.arange(-5, 5, 0.01)
    X, Y = np.meshgrid(x, y)
    Z = X**2 / 20.0 + Y**2
    Z[Z > 7] = 0  # the book's way of keeping the contours near the minimum
    ax.contour(X, Y, Z, colors="lightgrey", linewidths=0.8)
    ax.plot(0, 0, "+", color="black", markersize=10)


def _naive_panels(results: Sequence[dict[str, Any]]) -> Figure:
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
    return _naive_panels([result])


def _loss_curves(
    results: Sequence[dict[str, Any]], ylim: tuple[float, float], title: str, data: str | None
) -> Figure:
    fig = new_figure(7.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    curves = {name: _smooth(losses) for name, losses in results[0]["train_loss"].items()}
    for i, (name, curve) in enumerate(curves.items()):
        x = np.arange(len(curve))
        if len(results) == 1:
            ax.plot(
                x,
                curve,
                marker=MARKERS[i % len(MARKERS)],
                markevery=_every(len(curve), 20),
                label=name,
            )
        else:
            (line,) = ax.plot(x, curve, label=name)
            jl = _smooth(results[1]["train_loss"][name])
            ax.plot(
                np.arange(len(jl)),
                jl,
                color=line.get_color(),
                markevery=_every(len(jl)),
                **JULIA_MARK,
            )
    ax.set_xlabel("iterations")
    ax.set_ylabel("training loss (smoothed)")
    ax.set_ylim(*ylim)
    first = results[0]
    batch = f", batches of {first['batch_size']}" if "batch_size" in first else ""
    ax.set_title(f"{title}{_on(data)}{batch}")
    off = _note_off_range(ax, curves, ylim[1])
    handles, labels = ax.get_legend_handles_labels()
    labels = [f"{lab} (above the plot)" if lab in off else lab for lab in labels]
    if len(results) > 1:
        handles += _language_handles()
        labels += [h.get_label() for h in _language_handles()]
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
    return _loss_curves([result], (0, 1), "Optimizers", data)


# -- 6.2 ------------------------------------------------------------------------------


@styled
def weight_init_compare(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.2.4 (figure 6-14): smoothed training loss per initial weight scale."""
    return _loss_curves([result], (0, 2.5), "Initial weight scales (ReLU net, SGD)", data)


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


def _vanishing(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
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
    _epochs(ax)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.0)
    ax.set_title(f"Gradient vanishing: 784-40-20-10{_on(data)}")
    handles, labels = ax.get_legend_handles_labels()
    if len(results) > 1:
        handles += _language_handles()
        labels += [h.get_label() for h in _language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=3 if len(results) == 1 else 2)
    return fig


@styled
def gradient_vanishing(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """Test accuracy per epoch of the three activation/initialisation pairs."""
    return _vanishing([result], data)


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
            _epochs(axes[i])
            axes[i].xaxis.set_tick_params(labelbottom=True)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    fig.suptitle(f"Batch Normalization against the initial weight scale{_on(data)}")
    return fig


def _gradient_bars(
    diffs: Sequence[Mapping[str, float]],
    names: Sequence[str],
    *,
    ylabel: str,
    title: str,
    note: str | None = None,
) -> Figure:
    """Mean |difference| of two gradients per parameter as bars on a log axis; an exact
    zero (which a log axis cannot show) is written as "0" at the axis' foot."""
    keys = list(diffs[0])
    fig = new_figure(max(6.0, 0.6 * len(keys) * len(diffs) + 2), 4.6 if note else 4)
    ax = fig.add_subplot(1, 1, 1)
    values = [v for d in diffs for v in d.values() if v > 0]
    floor = 10 ** math.floor(math.log10(min(values)) - 1) if values else 1e-20
    width = 0.8 / len(diffs)
    x = np.arange(len(keys))
    for j, (d, name) in enumerate(zip(diffs, names)):
        pos = x + (j - (len(diffs) - 1) / 2) * width
        heights = [d[k] if d[k] > 0 else np.nan for k in keys]
        ax.bar(
            pos,
            heights,
            width=width,
            bottom=floor,
            label=name,
            hatch=None if j == 0 else "//",
            edgecolor="white" if j == 0 else "black",
        )
        for p, k in zip(pos, keys):
            if d[k] == 0:
                ax.text(p, floor, "0", ha="center", va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor)
    ax.set_xticks(x, keys)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(diffs) > 1:
        ax.legend()
    if note:
        width = fig.get_figwidth()
        fig.text(0.01, 0.01, textwrap.fill(note, int(width * 14.5)), fontsize=8.5, color="dimgrey")
        fig.get_layout_engine().set(rect=(0, 0.13, 1, 0.87))
    return fig


def _bn_check_title(result: dict[str, Any]) -> tuple[str, str | None]:
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
    title, note = _bn_check_title(result)
    return _gradient_bars(
        [result["diff"]], ["Python"], ylabel="mean |backprop − numerical|", title=title, note=note
    )


# -- 6.4 ------------------------------------------------------------------------------


def _baseline_first(variants: Mapping[str, dict[str, Any]]) -> list[str]:
    """Variant labels with the unregularised one (λ = 0, no dropout) first."""

    def plain(label: str) -> bool:
        v = variants[label]
        return v.get("lambda", 1) == 0 or v.get("dropout_ratio", 1) == 0

    return [k for k in variants if plain(k)] + [k for k in variants if not plain(k)]


def _accuracy_panels(results: Sequence[dict[str, Any]], title: str, data: str | None) -> Figure:
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
            ax.plot(x, jl["train_acc"], color="C0", markevery=_every(len(x)), **JULIA_MARK)
            ax.plot(x, jl["test_acc"], color="C1", markevery=_every(len(x)), **JULIA_MARK)
        _epochs(ax)
        ax.set_ylim(0, 1.0)
        ratio = v.get("dropout_ratio")
        ax.set_title(f"{label} (ratio {ratio:g})" if ratio else label)
    axes[0].set_ylabel("accuracy")
    handles, labels = axes[0].get_legend_handles_labels()
    if len(results) > 1:
        handles += _language_handles()
        labels += [h.get_label() for h in _language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    fig.suptitle(f"{title}{_on(data)}")
    return fig


@styled
def overfit_weight_decay(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.4.2 (figures 6-20, 6-21): train vs test accuracy per weight-decay variant, the
    variant without decay first."""
    return _accuracy_panels([result], "Overfitting (300 training images) and weight decay", data)


@styled
def overfit_dropout(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """6.4.3 (figure 6-23): train vs test accuracy without and with Dropout."""
    return _accuracy_panels([result], "Overfitting (300 training images) and Dropout", data)


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
            _epochs(axes[i])
            axes[i].xaxis.set_tick_params(labelbottom=True)
    if best:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    fig.suptitle(
        f"Best {len(best)} of {len(trials)} trials by final validation accuracy"
        f"{_on(data)}\n(lr: learning rate, wd: weight decay)"
    )
    return fig


def _acc_or_nan(trial: dict[str, Any]) -> float:
    """A trial's final validation accuracy; NaN (not drawn) for None, no epoch measured."""
    return math.nan if trial["final_val_acc"] is None else trial["final_val_acc"]


def _scatter(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    trials = results[0]["trials"]
    fig = new_figure(6.8, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    points = ax.scatter(
        [tr["lr"] for tr in trials],
        [tr["weight_decay"] for tr in trials],
        c=[_acc_or_nan(tr) for tr in trials],
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
    ax.set_title(f"{len(trials)} random trials{_on(data)}")
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


# -- 7 --------------------------------------------------------------------------------


def _convnet_curves(results: Sequence[dict[str, Any]], data: str | None) -> Figure:
    first = results[0]
    fig = new_figure(11, 4.4)
    ax, ax_loss = fig.subplots(1, 2)
    x = np.arange(len(first["train_acc"]))
    ax.plot(x, first["train_acc"], color="C0", marker="o", label="training data", markevery=2)
    ax.plot(
        x, first["test_acc"], color="C1", marker="s", linestyle="--", label="test data", markevery=2
    )
    loss = _smooth(first["train_loss"])
    ax_loss.plot(loss, color="C2", label="Python" if len(results) > 1 else None)
    if len(results) > 1:
        jl = results[1]
        ax.plot(x, jl["train_acc"], color="C0", **JULIA_MARK)
        ax.plot(x, jl["test_acc"], color="C1", **JULIA_MARK)
        jl_loss = _smooth(jl["train_loss"])
        ax_loss.plot(jl_loss, color="C2", markevery=_every(len(jl_loss)), **JULIA_MARK)
    _epochs(ax)
    ax.set_ylabel("accuracy (first 1,000 images)")
    ax.set_ylim(0, 1.0)
    ax.set_title(f"accuracy per epoch; final test accuracy {first['final_test_acc']:.4f}")
    ax_loss.set_xlabel("iterations")
    ax_loss.set_ylabel("training loss (smoothed)")
    ax_loss.set_title("training loss per minibatch")
    handles, labels = ax.get_legend_handles_labels()
    if len(results) > 1:
        handles += _language_handles()
        labels += [h.get_label() for h in _language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    fig.suptitle(f"SimpleConvNet{_on(data)}")
    return fig


@styled
def train_convnet(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """7.5 (figure 7-22's run): train and test accuracy per epoch, and the batch loss."""
    return _convnet_curves([result], data)


@styled
def convnet_gradient_check(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """gradient_check.py: mean |numerical − backprop| per parameter, on a log axis."""
    return _gradient_bars(
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


# -- Python and Julia in one figure ---------------------------------------------------


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
    handles += _language_handles()
    labels += [h.get_label() for h in _language_handles()]
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
    ax.set_title(f"Batch Normalization against the initial weight scale{_on(data)}")
    handles, labels = ax.get_legend_handles_labels()
    handles += _language_handles()
    labels += [h.get_label() for h in _language_handles()]
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    return fig


def _check_overlay(py: dict[str, Any], jl: dict[str, Any], *, convnet: bool) -> Figure:
    if convnet:
        title, note = "Gradient check of SimpleConvNet (one random 1×10×10 image)", None
        ylabel = "mean |numerical − backprop|"
    else:
        (title, note), ylabel = _bn_check_title(py), "mean |backprop − numerical|"
    return _gradient_bars(
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
        c=[_acc_or_nan(tr) for tr in py["trials"]],
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
    ax_t.plot([_acc_or_nan(tr) for tr in py["trials"]], "-", color="C0", label="Python (pyref)")
    ax_t.plot(
        [_acc_or_nan(tr) for tr in jl["trials"]], color="C0", label="Julia (PyRef)", **JULIA_MARK
    )
    ax_t.set(
        xlabel="trial", ylabel="final validation accuracy", ylim=(0, 1), title="each trial's result"
    )
    ax_t.legend(fontsize=8)
    fig.suptitle(f"Random search{_on(data)}")
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
    return _naive_panels([py, jl])


@_overlay
def optimizer_compare_mnist_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.1.8: both languages' smoothed training losses."""
    return _loss_curves([py, jl], (0, 1), "Optimizers", data)


@_overlay
def weight_init_activation_histogram_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.2.2: the spread of each layer's activations, both languages."""
    return _std_per_layer(py, jl, data)


@_overlay
def weight_init_compare_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.2.4: both languages' smoothed training losses."""
    return _loss_curves([py, jl], (0, 2.5), "Initial weight scales (ReLU net, SGD)", data)


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
    return _accuracy_panels([py, jl], "Overfitting (300 training images) and weight decay", data)


@_overlay
def overfit_dropout_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.4.3: both languages' accuracy curves with and without Dropout."""
    return _accuracy_panels([py, jl], "Overfitting (300 training images) and Dropout", data)


@_overlay
def hyperparameter_optimization_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """6.5.3: both languages' draws and each trial's result."""
    return _search_overlay(py, jl, data)


@_overlay
def gradient_vanishing_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """Both languages' test accuracy curves."""
    return _vanishing([py, jl], data)


@_overlay
def train_convnet_overlay(py: dict, jl: dict, data: str | None) -> Figure:
    """7.5: both languages' accuracy and loss curves."""
    return _convnet_curves([py, jl], data)


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
