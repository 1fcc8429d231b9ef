"""The figure of chapter 4's experiment (gradient descent), drawn from the data
:mod:`pyref.experiments.chapter4` returns; ``gradient_descent(result, data=...)``.
``descent_path`` is shared with :mod:`pyref.figures.overlays`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pyref.figures.style import JULIA_MARK, new_figure, styled


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
        ax.legend(
            handles=[
                Line2D([], [], color="C0", marker="o", linestyle="", label="Python (pyref): dots"),
                Line2D([], [], color="C1", label="Julia (PyRef): circles", **JULIA_MARK),
            ],
            loc="upper right",
        )
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


@styled
def gradient_descent(result: dict[str, Any], *, data: str | None = None) -> Figure:
    """gradient_method.py (figure 4-10): the path of gradient descent on x0² + x1²."""
    return descent_path([result])
