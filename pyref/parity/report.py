"""The harness's reports: the table ``pyref parity`` prints, the JSON report and the
divergence plots of the training scenarios. No Julia here: these read the verdicts
(:class:`pyref.parity.compare.ScenarioResult`) the runner produced.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from pyref.parity.compare import ScenarioResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def format_info(info: dict[str, Any]) -> str:
    """One line per fact of :func:`environment_info`."""
    width = max(len(k) for k in info)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in info.items())


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if math.isinf(value):
        return "inf"
    return f"{value:.2e}"


def _columns(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    return lines


def format_table(results: Sequence[ScenarioResult], *, outputs: bool = True) -> str:
    """The report's table and summary; failures are detailed below it.

    ``outputs``: one row per (scenario, output) — tier, max abs and relative
    difference, max ULPs, pass/fail; otherwise one row per scenario — its section,
    how many outputs, their tiers, the largest ULP distance, pass/FAIL/ERROR. Where
    a difference is one ULPs do not measure (a NaN or an infinity on one side,
    opposite signs, zero on one side) the ULP cell names it instead: ``NaN``, ``inf``,
    ``sign``, ... (see :data:`pyref.parity.compare.SPECIAL_KINDS`)."""
    if outputs:
        header = ("scenario", "output", "tier", "max abs", "max rel", "max ULPs", "result")
        rows = [row for res in results for row in _output_rows(res)]
    else:
        header = ("scenario", "section", "outputs", "tiers", "max ULPs", "result")
        rows = [_scenario_row(res) for res in results]
    lines = _columns(header, rows)
    failed = [r for r in results if not r.passed]
    n_out = sum(len(r.comparisons) for r in results)
    lines.append("")
    lines.append(
        f"{len(results) - len(failed)}/{len(results)} scenarios passed ({n_out} outputs compared)"
    )
    for res in failed:
        lines.append(res.message())
    return "\n".join(lines)


def _output_rows(res: ScenarioResult) -> list[tuple]:
    """One row per output of ``res`` (one ERROR row when it did not run)."""
    if res.error is not None:
        return [(res.scenario.name, "-", "-", "-", "-", "-", "ERROR")]
    return [
        (
            res.scenario.name,
            c.output,
            c.tier.describe(),
            _fmt(c.max_abs),
            _fmt(c.max_rel),
            c.ulps_cell(),
            "pass" if c.passed else "FAIL",
        )
        for c in res.comparisons
    ]


def _scenario_row(res: ScenarioResult) -> tuple:
    """``res`` in one row: section, how many outputs, their tiers, the worst ULPs, verdict."""
    tiers = ",".join(sorted({c.tier.kind for c in res.comparisons})) or "-"
    special = [c.ulps_cell() for c in res.comparisons if c.special]
    worst = max((c.max_ulps for c in res.comparisons), default=0.0)
    worst_cell = special[0] if special else f"{worst:g}"
    verdict = "ERROR" if res.error is not None else "pass" if res.passed else "FAIL"
    return (
        res.scenario.name,
        res.scenario.section or "-",
        len(res.comparisons),
        tiers,
        worst_cell,
        verdict,
    )


def report(results: Sequence[ScenarioResult], info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON report: environment ``info`` and every scenario's outputs."""
    return {
        "passed": all(r.passed for r in results),
        "scenarios_passed": sum(r.passed for r in results),
        "scenarios": len(results),
        "info": info or {},
        "results": [r.to_dict() for r in results],
    }


def divergence_series(results: Sequence[ScenarioResult]) -> dict[str, dict[str, list[float]]]:
    """For each scenario with trajectory outputs: output name -> the distance between
    the two languages' values per step, in ULPs (units in the last place)."""
    series: dict[str, dict[str, list[float]]] = {}
    for res in results:
        for c in res.comparisons:
            if c.divergence_ulps is not None and len(c.divergence_ulps) > 1:
                series.setdefault(res.scenario.name, {})[c.output] = c.divergence_ulps
    return series


def _minor_ulp_label(ax: Any) -> Callable[[float, Any], str]:
    """Minor tick labels for a log axis of ULPs: 2 and 5 times a power of ten, as
    plain numbers, when the axis spans less than about a decade and a half."""

    def label(value: float, _pos: Any) -> str:
        low, high = ax.get_ylim()
        if value <= 0 or low <= 0 or high / low > 30:
            return ""
        mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return f"{value:g}" if round(mantissa) in (2, 5) else ""

    return label


def divergence_figures(results: Sequence[ScenarioResult]) -> dict[str, Figure]:
    """For every training scenario, a matplotlib Figure of the cross-language divergence
    of each trajectory output per iteration (per epoch for accuracies), in ULPs on a
    log scale, so a difference born in the last bit of a matrix product shows whether
    it grows through training. Outputs that never differ are named instead of drawn.
    Returns scenario name -> Figure (object API, no pyplot state), in the style of
    every pyref figure (:data:`pyref.figures.STYLE`)."""
    import matplotlib

    from pyref.figures import STYLE

    with matplotlib.rc_context(STYLE):
        return _divergence_figures(results)


def _divergence_figures(results: Sequence[ScenarioResult]) -> dict[str, Figure]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figures: dict[str, Figure] = {}
    for name, outputs in divergence_series(results).items():
        identical = sorted(out for out, div in outputs.items() if not any(div))
        drawn = {out: div for out, div in sorted(outputs.items()) if any(div)}
        if not drawn:  # nothing to draw: say so instead of showing empty axes
            fig = Figure(figsize=(8, 1.6))
            ax = fig.add_subplot(1, 1, 1)  # (a figure without axes is not drawn inline)
            ax.axis("off")
            ax.text(0.5, 0.68, f"{name}: no divergence", ha="center", fontsize="large")
            ax.text(
                0.5,
                0.25,
                "bit-identical at every iteration: " + ", ".join(identical),
                ha="center",
                color="dimgrey",
                wrap=True,
            )
            figures[name] = fig
            continue
        fig = Figure(figsize=(8, 4.5))
        ax = fig.add_subplot(1, 1, 1)
        for output, div in drawn.items():
            y = np.asarray(div, dtype=float)
            ax.plot(
                np.arange(len(y)),
                np.where(y > 0, y, np.nan),
                marker=".",
                markersize=3,
                linewidth=1,
                label=output,
            )
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.4)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_minor_ulp_label(ax)))
        ax.set_xlabel("iteration (epoch for accuracies)")
        ax.set_ylabel("ULPs between Python and Julia\n(gaps: bit-identical)")
        ax.set_title(f"{name}: cross-language divergence")
        if len(drawn) <= 12:
            ax.legend(fontsize="small")
        if identical:
            text = "bit-identical throughout: " + ", ".join(identical)
            if len(text) > 110:
                text = text[:107] + "..."
            ax.text(0.01, 0.01, text, transform=ax.transAxes, fontsize="small", color="dimgrey")
        fig.tight_layout()
        figures[name] = fig
    return figures


def plot_divergence(results: Sequence[ScenarioResult], directory: str | os.PathLike) -> list[Path]:
    """:func:`divergence_figures` written as one PNG per training scenario into
    ``directory`` (``<scenario>.png``). Returns the files written."""
    from pyref.fileio import save_figure

    return [
        save_figure(fig, Path(directory) / f"{name}.png")
        for name, fig in divergence_figures(results).items()
    ]
