"""Image tests of pyref.figures: every experiment's figure (and its Python-Julia overlay)
drawn from a hand-made result (tests/figure_cases.py) and compared with its committed
baseline (tests/baseline_images/) by matplotlib's compare_images, within a small RMS
tolerance. A failure names the image it drew and the difference image it wrote.

After changing a figure on purpose: `python tools/figure_baselines.py`, look at the
images, commit them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
from figure_cases import CASES, DPI, RESULTS
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure

from pyref.experiments.registry import EXPERIMENTS
from pyref.figures import data_name, labelled
from pyref.fileio import save_figure

BASELINES = Path(__file__).resolve().parent / "baseline_images"
#: RMS difference (0-255 grey levels) allowed: a text or line moved by a pixel fails.
TOLERANCE = 2.0


def test_every_experiment_has_a_figure_case_and_an_overlay() -> None:
    assert set(RESULTS) == set(EXPERIMENTS)
    assert {p.stem for p in BASELINES.glob("*.png")} == set(CASES), (
        "baselines and cases differ: run `python tools/figure_baselines.py`"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_figure_matches_its_baseline(name: str, tmp_path: Path) -> None:
    matplotlib.use("Agg")
    expected = BASELINES / f"{name}.png"
    assert expected.exists(), (
        f"no baseline {expected}: run `python tools/figure_baselines.py {name}`"
    )
    actual = save_figure(CASES[name](), tmp_path / f"{name}.png", dpi=DPI)
    try:
        failure = compare_images(str(expected), str(actual), tol=TOLERANCE)
    except ImageComparisonFailure as err:  # a different size
        failure = str(err)
    if failure is not None:
        diff = tmp_path / f"{name}-failed-diff.png"
        pytest.fail(
            f"{name}: the figure changed ({failure.splitlines()[0]}).\n"
            f"drawn: {actual}\ndifference: {diff}\nIf the change is meant: "
            f"`python tools/figure_baselines.py {name}` and commit the baseline."
        )


def test_figures_name_the_data_set_truthfully() -> None:
    fig = EXPERIMENTS["optimizer-compare-mnist"].figure(
        RESULTS["optimizer-compare-mnist"](), data="embedded"
    )
    title = fig.axes[0].get_title()
    assert "embedded MNIST subset" in title and "on MNIST" not in title
    fig = EXPERIMENTS["optimizer-compare-mnist"].figure(
        RESULTS["optimizer-compare-mnist"](), data="mnist"
    )
    assert fig.axes[0].get_title().startswith("Optimizers on MNIST")
    assert data_name(None) is None
    with pytest.raises(TypeError, match="data"):
        data_name(3)  # type: ignore[arg-type]


def test_a_curve_off_the_plot_is_noted() -> None:
    fig = EXPERIMENTS["optimizer-compare-mnist"].figure(RESULTS["optimizer-compare-mnist"]())
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "SGD stays above 1" in texts
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "SGD (above the plot)" in labels and "Adam" in labels


def test_histograms_fit_each_activation() -> None:
    fig = EXPERIMENTS["weight-init-activation-histogram"].figure(
        RESULTS["weight-init-activation-histogram"]()
    )
    per_row = {ax.get_ylabel(): ax.get_xlim() for ax in fig.axes if ax.get_ylabel()}
    assert per_row["sigmoid\nstd=1"] == (0.0, 1.0)
    assert per_row["tanh\nstd=1"] == (-1.0, 1.0)
    low, high = per_row["relu\nstd=1"]
    assert low == 0.0 and high > 1.0  # from the data, not the book's 0-1
    assert any("zeros:" in t.get_text() for ax in fig.axes for t in ax.texts)


def test_labelled_and_overlay_check_their_input() -> None:
    fig = EXPERIMENTS["gradient-vanishing"].figure(RESULTS["gradient-vanishing"]())
    assert labelled(fig, "Julia (PyRef)").get_suptitle().startswith("Julia (PyRef)")
    with pytest.raises(ValueError, match="language"):
        labelled(fig, "")
    with pytest.raises(TypeError, match="two result dicts"):
        EXPERIMENTS["gradient-vanishing"].overlay(RESULTS["gradient-vanishing"](), [1, 2])


def test_the_gallery_command_runs_the_commands_and_writes_its_page(tmp_path: Path) -> None:
    """`python tools/figure_gallery.py`, on two quick experiments into a scratch folder."""
    import os
    import subprocess
    import sys

    repo = BASELINES.parents[1]
    names = ["optimizer-compare-naive", "weight-init-activation-histogram"]
    proc = subprocess.run(
        [sys.executable, str(repo / "tools" / "figure_gallery.py"), "--only", *names]
        + ["--full", "none", "--docs", str(tmp_path), "--reuse", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "figures.md").read_text(encoding="utf-8")
    assert [
        line[3:].split(" (")[0] for line in page.splitlines() if line.startswith("## ")
    ] == names
    for name in names:
        assert f"`pyref run {name} --quick`" in page
        image = tmp_path / "figures" / f"{name}-quick.png"
        assert f"](figures/{image.name})" in page
        assert image.stat().st_size > 10_000
        assert (tmp_path / "runs" / "quick" / f"{name}.json").exists()  # the command's own run
    assert "-full.png" not in page
