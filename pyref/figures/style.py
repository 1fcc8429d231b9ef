"""The one style of every figure and the helpers the chapters' figures share: the
rcParams (:data:`STYLE`), how Julia is drawn over Python (:data:`JULIA_MARK`), titles
naming the data set, the language banner, smoothed curves, epoch axes, the note for
curves off the plotted range and the gradient-check bars.

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
from matplotlib.ticker import MaxNLocator

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


def on_data(data: str | None) -> str:
    """The words " on <data set>" for a title, or nothing when ``data`` is None."""
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


def smoothed(values: Sequence[float]) -> np.ndarray:
    """``values`` smoothed as the book smooths a loss curve, as they are when too few."""
    return smooth_curve(values) if len(values) >= SMOOTH_WINDOW else np.asarray(values, float)


def mark_every(n: int, marks: int = 25) -> int:
    """The step between markers that puts about ``marks`` of them on ``n`` points."""
    return max(1, n // marks)


def epoch_axis(ax: Any) -> None:
    """An x axis of epochs: so labelled, ticks on whole epochs."""
    ax.set_xlabel("epochs")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def language_handles() -> list[Line2D]:
    """Legend entries that say how an overlay draws each language."""
    return [
        Line2D([], [], color="dimgrey", label="Python (pyref): lines"),
        Line2D([], [], color="dimgrey", label="Julia (PyRef): circles", **JULIA_MARK),
    ]


def note_off_range(ax: Any, curves: Mapping[str, np.ndarray], top: float) -> set[str]:
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


def gradient_bars(
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


def accuracy_or_nan(trial: dict[str, Any]) -> float:
    """A trial's final validation accuracy; NaN (not drawn) for None, no epoch measured."""
    return math.nan if trial["final_val_acc"] is None else trial["final_val_acc"]
