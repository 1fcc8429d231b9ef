"""Draw the baseline images of the figure tests (tests/test_figures.py) again, into
tests/baseline_images/, from the hand-made results of tests/figure_cases.py.

Run it after changing a figure on purpose, look at the images it wrote, and commit them:

    python tools/figure_baselines.py            # every baseline
    python tools/figure_baselines.py NAME ...   # these (see tests/figure_cases.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from figure_cases import CASES, DPI  # noqa: E402

from pyref.fileio import save_figure  # noqa: E402

BASELINES = REPO / "tests" / "baseline_images"


def main(argv: list[str]) -> int:
    names = argv or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(
            f"unknown figure cases: {', '.join(unknown)}; see tests/figure_cases.py",
            file=sys.stderr,
        )
        return 2
    if not argv:  # a full run also drops the baselines of cases that are gone
        for old in BASELINES.glob("*.png"):
            if old.stem not in CASES:
                old.unlink()
    for name in names:
        print(save_figure(CASES[name](), BASELINES / f"{name}.png", dpi=DPI))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
