"""The two figures of a study that show how the search went (``pyref search`` writes
them beside the book's Best-20 and scatter figures):

- ``history``: each finished trial's final validation accuracy in the order the
  trials were numbered (complete trials as dots, pruned ones as crosses at the
  accuracy they were stopped with), and the best accuracy so far as a step line;
- ``parallel``: one vertical axis per parameter of the space (log axes for log
  ranges, the choices in order for categorical ones) and a line per complete trial
  through its values, coloured by its final validation accuracy, best on top.

Trials are trials.json's records (``number``, ``state``, ``lr``, ``weight_decay``,
``val_acc_list``, ``params`` for a space other than the book's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pyref.figures import new_figure, styled
from pyref.study.space import DEFAULT_SPACE, SearchSpace


def _check_records(trials: Any) -> list[dict[str, Any]]:
    if not isinstance(trials, Sequence) or isinstance(trials, (str, bytes)):
        raise TypeError(f"trials must be a list of trial records, not {type(trials).__name__}")
    for i, t in enumerate(trials):
        if not isinstance(t, dict) or "number" not in t or "state" not in t:
            raise ValueError(f"trials[{i}] is not a trial record (needs number and state)")
    return list(trials)


@styled
def history_figure(trials: Sequence[dict[str, Any]]) -> Any:
    """Final validation accuracy of every complete or pruned trial by trial number, and
    the best so far (complete trials only)."""
    records = sorted(_check_records(trials), key=lambda t: t["number"])
    fig = new_figure(7, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    for state, marker, label in (("complete", "o", "complete"), ("pruned", "x", "pruned")):
        pts = [
            (t["number"], t["val_acc_list"][-1])
            for t in records
            if t["state"] == state and t.get("val_acc_list")
        ]
        if pts:
            ax.scatter(
                *zip(*pts),
                marker=marker,
                s=22,
                label=f"{label} ({len(pts)})",
                alpha=0.8 if state == "complete" else 0.6,
            )
    best, xs, ys = -math.inf, [], []
    for t in records:
        if t["state"] == "complete" and t.get("val_acc_list"):
            best = max(best, t["val_acc_list"][-1])
        if best > -math.inf:
            xs.append(t["number"])
            ys.append(best)
    if xs:
        ax.step(xs, ys, where="post", color="black", linewidth=1.5, label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("validation accuracy")
    ax.set_ylim(0, 1)
    ax.set_title("Optimisation history")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


def _point(t: dict[str, Any]) -> dict[str, Any]:
    return (
        t["params"]
        if t.get("params") is not None
        else {"weight_decay": t["weight_decay"], "lr": t["lr"]}
    )


@styled
def parallel_figure(trials: Sequence[dict[str, Any]], space: SearchSpace = DEFAULT_SPACE) -> Any:
    """Parallel coordinates of the complete trials over ``space``'s parameters, each
    line coloured by the trial's final validation accuracy (best drawn last)."""
    import matplotlib
    from matplotlib import cm, colors

    if not isinstance(space, SearchSpace):
        raise TypeError(f"space must be a SearchSpace, not {type(space).__name__}")
    done = [t for t in _check_records(trials) if t["state"] == "complete" and t.get("val_acc_list")]
    done.sort(key=lambda t: t["val_acc_list"][-1])
    params = space.params
    fig = new_figure(max(5, 1.9 * (len(params) + 1)), 4.5)
    ax = fig.add_subplot(1, 1, 1)

    def scaled(p: Any, v: Any) -> float:  # a value's place on its axis, 0 .. 1
        if p.kind == "choice":
            return p.choices.index(v) / max(len(p.choices) - 1, 1)
        lo, hi, v = float(p.low), float(p.high), float(v)
        if p.log:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(v)
        return (v - lo) / (hi - lo)

    norm = colors.Normalize(0.0, 1.0)
    cmap = matplotlib.colormaps["viridis"]
    xs = list(range(len(params) + 1))
    for t in done:
        point = _point(t)
        acc = t["val_acc_list"][-1]
        ys = [scaled(p, point[p.name]) for p in params] + [acc]
        ax.plot(xs, ys, color=cmap(norm(acc)), alpha=0.75, linewidth=1.2)
    for x, p in enumerate(params):
        ax.axvline(x, color="grey", linewidth=0.8)
        if p.kind == "choice":
            ticks = [(scaled(p, c), str(c)) for c in p.choices]
        else:
            ticks = [(0.0, f"{p.low:g}"), (1.0, f"{p.high:g}")]
        for y, label in ticks:
            ax.text(x + 0.03, y, label, fontsize=8, va="center")
    ax.axvline(len(params), color="grey", linewidth=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels([p.name + (" (log)" if p.log else "") for p in params] + ["val acc"])
    ax.set_xlim(-0.2, len(params) + 0.4)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([])
    ax.set_title(f"Parallel coordinates ({len(done)} complete trials)")
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="final validation accuracy")
    return fig
