"""Make the figure gallery, docs/figures.md with its images in docs/figures/: every
experiment's figures as `pyref run NAME --quick` draws them, and at full length for the
experiments named with ``--full``.

Each run is the real command (`python -m pyref.cli run NAME --seed 0`) into a scratch
folder; its figures are then drawn again from the JSON it wrote, by the same
``pyref.figures`` functions, at a low resolution that keeps the repository light.

    python tools/figure_gallery.py                    # quick runs, and full ones of FULL
    python tools/figure_gallery.py --full all         # every experiment at full length too
    python tools/figure_gallery.py --full none        # quick runs only
    python tools/figure_gallery.py --reuse DIR        # draw again from the runs kept in DIR
    python tools/figure_gallery.py --only NAME ... --docs DIR  # some experiments, elsewhere
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyref.experiments.registry import EXPERIMENTS  # noqa: E402
from pyref.fileio import save_figure, write_text  # noqa: E402

DOCS = REPO / "docs"
#: Resolution of the gallery's images (the commands write 100 dpi).
DPI = 70
#: The experiments drawn at full length by default: those whose book-length run takes
#: minutes on two cores. The others (tens of minutes or more) need ``--full all``.
FULL = (
    "optimizer-compare-naive",
    "optimizer-compare-mnist",
    "weight-init-activation-histogram",
    "weight-init-compare",
    "batch-norm-gradient-check",
    "overfit-weight-decay",
    "overfit-dropout",
    "gradient-vanishing",
    "convnet-gradient-check",
)


def run(name: str, quick: bool, out: Path) -> Path:
    """`pyref run NAME [--quick] --seed 0 --out OUT`; the JSON it wrote."""
    argv = [sys.executable, "-m", "pyref.cli", "run", name, "--seed", "0", "--out", str(out)]
    if quick:
        argv.append("--quick")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(REPO))
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:])} failed:\n{proc.stderr[-2000:]}")
    print(
        f"{name} {'quick' if quick else 'full'}: {time.perf_counter() - started:.0f} s", flush=True
    )
    return out / f"{name}.json"


def draw(record_file: Path, length: str, images: Path = DOCS / "figures") -> list[str]:
    """The figures of one run, drawn again from its JSON into ``images``."""
    record = json.loads(record_file.read_text(encoding="utf-8"))
    name = record["experiment"]
    figures = EXPERIMENTS[name].figure(record["result"], data=record.get("data_source"))
    if not isinstance(figures, dict):
        figures = {"": figures}
    files = []
    for key, fig in figures.items():
        file = f"{name}{'-' + key if key else ''}-{length}.png"
        save_figure(fig, images / file, dpi=DPI)
        files.append(file)
    return files


def page(drawn: dict[str, dict[str, list[str]]], settings: dict[str, dict[str, dict]]) -> str:
    lines = [
        "# Figures",
        "",
        "What each experiment draws, before you run it: `pyref run NAME --quick` (seconds) and "
        "`pyref run NAME` (the book's length), on the embedded MNIST subset with seed 0. The "
        "same `pyref.figures` functions draw the notebooks' figures and `pyref search`'s.",
        "",
        "Made by `python tools/figure_gallery.py` (see [development.md](development.md)). "
        "Full-length figures are here for the experiments whose book-length run takes minutes, "
        "not tens of minutes, on two cores (on the shared machine that made this page they "
        "took from seconds to 20 minutes, optimizer-compare-mnist the longest); "
        "batch-norm-test, hyperparameter-optimization and the chapter 7 experiments take "
        "tens of minutes or more at the book's length, so they are shown quick only: "
        "`python tools/figure_gallery.py --full all` adds them.",
        "",
        "With `--engine both`, `pyref run` also draws the Julia run and an overlay of the two "
        "languages (Python as lines, Julia as open circles).",
        "",
    ]
    for name, exp in EXPERIMENTS.items():
        if name not in drawn:
            continue
        lines += [f"## {name} ({exp.section})", "", exp.title + ".", ""]
        for length in ("quick", "full"):
            files = drawn.get(name, {}).get(length)
            if not files:
                continue
            used = settings[name][length]
            shown = ", ".join(f"{k}={v}" for k, v in used.items()) or "the book's settings"
            command = f"pyref run {name}{' --quick' if length == 'quick' else ''}"
            lines += [f"`{command}` ({shown}):", ""]
            lines += [f"![{name} {length}](figures/{file})" for file in files]
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full",
        nargs="+",
        default=list(FULL),
        metavar="NAME",
        help="experiments to run at full length too ('all', 'none'; "
        "default: those that take a few minutes)",
    )
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        default=None,
        help="keep the runs' outputs in DIR and reuse any already there",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=list(EXPERIMENTS),
        help="these experiments only (default: every one)",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=DOCS,
        help="where figures.md and its figures/ folder go (default: docs/)",
    )
    args = parser.parse_args(argv)
    full = list(EXPERIMENTS) if args.full == ["all"] else [] if args.full == ["none"] else args.full
    unknown = sorted((set(full) | set(args.only)) - set(EXPERIMENTS))
    if unknown:
        parser.error(f"unknown experiments: {', '.join(unknown)}")
    scratch = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="pyref-gallery-"))
    images = args.docs / "figures"
    images.mkdir(parents=True, exist_ok=True)
    for old in images.glob("*.png"):
        old.unlink()
    drawn: dict[str, dict[str, list[str]]] = {}
    settings: dict[str, dict[str, dict]] = {}
    for name in (n for n in EXPERIMENTS if n in args.only):
        for length in ("quick", "full"):
            if length == "full" and name not in full:
                continue
            out = scratch / length
            record_file = out / f"{name}.json"
            if not record_file.exists():
                record_file = run(name, length == "quick", out)
            drawn.setdefault(name, {})[length] = draw(record_file, length, images)
            record = json.loads(record_file.read_text(encoding="utf-8"))
            settings.setdefault(name, {})[length] = {
                k: v for k, v in record["settings"].items() if k != "progress"
            }
    write_text(args.docs / "figures.md", page(drawn, settings) + "\n")
    print(
        f"wrote {args.docs / 'figures.md'} and {len(list(images.glob('*.png')))} images; runs in "
        f"{scratch}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
