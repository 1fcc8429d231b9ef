"""Run the book's scripts of chapters 3 to 8 twice, seeded the same — once on the
book's own code, once with their imports switched to pyref — and compare what they print.

    python tools/compare_with_book.py /path/to/deep-learning-from-scratch [script.py ...]

A script is named by its file name, or as ``chNN/script.py`` where two chapters have one
of that name (ch04 and ch05's train_neuralnet.py, ch05 and ch07's gradient_check.py).
Both runs get the same data (pyref's load_mnist, embedded by default), so any
difference in the printed losses and accuracies comes from the code. Figures are
drawn off screen; every image a script shows (``imshow``: ch07's filters and
filtered images) is printed as a digest of its exact bytes, so it is compared too.
ch07's and ch08's scripts run in one scratch folder per mode, in the book's order:
train_convnet.py saves params.pkl (pyref writes .npz contents under that name),
which visualize_filter.py and apply_filter.py load, and train_deepnet.py saves
deep_convnet_params.pkl for half_float_network.py and misclassified_mnist.py. ``--epochs N`` shortens
train_convnet.py's and train_deepnet.py's 20 epochs, ``--iters N`` the
train_neuralnet.py scripts' 10000 iterations (the same for both runs). A script's
imports from the book become ``from pyref.book.chNN import *``; in pyref's run a
script's own ``pickle.load`` (ch03's, of sample_weight.pkl) is pyref's restricted
reader, ``pyref.fileio.load_pickle``. Exit status 1 if any script's output differs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CH03_SCRIPTS = (
    "neuralnet_mnist.py",
    "neuralnet_mnist_batch.py",
    # These four only draw: the runner prints digests of what they plot.
    "step_function.py",
    "sigmoid.py",
    "relu.py",
    "sig_step_compare.py",
)
CH04_SCRIPTS = (
    "gradient_1d.py",
    "gradient_2d.py",
    "gradient_method.py",
    "gradient_simplenet.py",
    "train_neuralnet.py",
)
CH06_SCRIPTS = (
    "overfit_weight_decay.py",
    "overfit_dropout.py",
    "batch_norm_test.py",
    "batch_norm_gradient_check.py",
    "optimizer_compare_mnist.py",
    "weight_init_compare.py",
    "hyperparameter_optimization.py",
    # These two only draw: the runner prints digests of what they plot.
    "optimizer_compare_naive.py",
    "weight_init_activation_histogram.py",
)
#: In this order: the later ones load the parameters train_convnet.py saves.
CH07_SCRIPTS = ("gradient_check.py", "train_convnet.py", "visualize_filter.py", "apply_filter.py")
CH05_SCRIPTS = ("buy_apple.py", "buy_apple_orange.py", "gradient_check.py", "train_neuralnet.py")
#: In this order: the later ones load the parameters train_deepnet.py saves.
CH08_SCRIPTS = ("train_deepnet.py", "half_float_network.py", "misclassified_mnist.py")
#: Each chapter's scripts, in the order they run.
SCRIPTS = {
    "ch03": CH03_SCRIPTS,
    "ch04": CH04_SCRIPTS,
    "ch05": CH05_SCRIPTS,
    "ch06": CH06_SCRIPTS,
    "ch07": CH07_SCRIPTS,
    "ch08": CH08_SCRIPTS,
}
DEFAULT_SCRIPTS = tuple(f"{ch}/{s}" for ch, scripts in SCRIPTS.items() for s in scripts)
#: The chapters whose scripts run in one scratch folder per mode (they save and load
#: parameters), and the scripts that load what an earlier one saved.
SCRATCH_CHAPTERS = ("ch07", "ch08")
NEEDS_SAVED = {
    "ch07/visualize_filter.py": "ch07/train_convnet.py",
    "ch07/apply_filter.py": "ch07/train_convnet.py",
    "ch08/half_float_network.py": "ch08/train_deepnet.py",
    "ch08/misclassified_mnist.py": "ch08/train_deepnet.py",
}

_RUNNER = r"""
import hashlib, re, sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.axes
import matplotlib.quiver
import matplotlib.pyplot as plt
def show(*args, **kwargs):
    # What a script draws, as digests of the plotted data (lines, bars, histograms).
    for num in plt.get_fignums():
        fig = plt.figure(num)
        digest = hashlib.sha256()
        for ax in fig.axes:
            for line in ax.get_lines():
                digest.update(np.asarray(line.get_xydata(), dtype=float).tobytes())
            for patch in ax.patches:
                digest.update(np.asarray(patch.get_bbox().bounds, dtype=float).tobytes())
            for coll in ax.collections:  # arrows (ch04's gradient field): where and which way
                if isinstance(coll, matplotlib.quiver.Quiver):
                    for a in (coll.get_offsets(), coll.U, coll.V):
                        digest.update(np.asarray(a, dtype=float).tobytes())
        print(f"figure {num}: {len(fig.axes)} axes, data {digest.hexdigest()[:16]}")
plt.show = show
_imshow = matplotlib.axes.Axes.imshow
def imshow(self, X, *args, **kwargs):
    a = np.asarray(X)
    digest = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]
    print(f"imshow {a.shape} {a.dtype} {digest}")
    return _imshow(self, X, *args, **kwargs)
matplotlib.axes.Axes.imshow = imshow
book, chapter, mode, script, seed, epochs, iters = sys.argv[1:8]
src = open(f"{book}/{chapter}/{script}", encoding="utf-8").read()
sys.path.insert(0, book)
sys.path.insert(0, f"{book}/{chapter}")
import pyref
import dataset.mnist
dataset.mnist.load_mnist = pyref.load_mnist  # the same data for both runs
if epochs:
    src = re.sub(r"^max_epochs = \d+$", f"max_epochs = {int(epochs)}", src, flags=re.M)
    if chapter == "ch08":
        src = re.sub(r"\bepochs=\d+", f"epochs={int(epochs)}", src)
if iters:
    src = re.sub(r"^iters_num = \d+", f"iters_num = {int(iters)}", src, flags=re.M)
if mode == "pyref":
    src = re.sub(r"^sys\.path\.append.*$", "", src, flags=re.M)
    # numpy too: some scripts get `np` only through `from common.optimizer import *`.
    switch = f"import numpy as np; from pyref.book.{chapter} import *"
    src = re.sub(r"^from (dataset|common)\.\w+ import .*$", switch, src, flags=re.M)
    src = re.sub(r"^from (simple_convnet|two_layer_net|gradient_2d|layer_naive|deep_convnet) import .*$", switch, src,
                 flags=re.M)
    src = re.sub(r"\bpickle\.load\(", "_pyref_load_pickle(", src)
import pyref.fileio
np.random.seed(int(seed))
exec(compile(src, script, "exec"), {"__name__": "__main__", "_pyref_load_pickle": pyref.fileio.load_pickle})
"""


def resolve(spec: str) -> tuple[str, str]:
    """(chapter, script) of a script named ``script.py`` or ``chNN/script.py``.

    Raises ValueError for a name two chapters share; a name of no chapter's list is
    taken as ch06's (a script of one's own in the book's ch06 folder).
    """
    if "/" in spec:
        chapter, script = spec.split("/", 1)
        return chapter, script
    chapters = [ch for ch, scripts in SCRIPTS.items() if spec in scripts]
    if len(chapters) > 1:
        raise ValueError(
            f"{spec} is a script of {' and '.join(chapters)}: name it {chapters[0]}/{spec}"
        )
    return (chapters[0] if chapters else "ch06"), spec


def scratch_folders(book: Path, root: Path) -> dict[tuple[str, str], Path]:
    """One working folder per mode and chapter for ch07 and ch08, by (mode, chapter):
    their scripts write and read parameter files in the current folder; ch07's read
    ../dataset/lena_gray.png."""
    folders = {}
    for mode in ("book", "pyref"):
        base = root / mode
        base.mkdir(parents=True)
        (base / "dataset").symlink_to(book.resolve() / "dataset")
        for chapter in SCRATCH_CHAPTERS:
            (base / chapter).mkdir()
            folders[mode, chapter] = base / chapter
    return folders


def runner_command(
    book: Path,
    mode: str,
    chapter: str,
    script: str,
    seed: int,
    epochs: int | None,
    iters: int | None = None,
) -> list[str]:
    """The command that runs ``chapter/script`` of the book in ``mode`` ("book" or "pyref")."""
    return [
        sys.executable,
        "-c",
        _RUNNER,
        str(book.resolve()),
        chapter,
        mode,
        script,
        str(seed),
        "" if epochs is None else str(epochs),
        "" if iters is None else str(iters),
    ]


def run(
    book: Path,
    mode: str,
    chapter: str,
    script: str,
    seed: int,
    cwd: Path,
    epochs: int | None,
    iters: int | None = None,
) -> str:
    proc = subprocess.run(
        runner_command(book, mode, chapter, script, seed, epochs, iters),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{script} ({mode}) failed:\n{proc.stderr[-2000:]}")
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path, help="a checkout of deep-learning-from-scratch")
    parser.add_argument("scripts", nargs="*", default=list(DEFAULT_SCRIPTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="shorten train_convnet.py and train_deepnet.py to this many epochs (both runs)",
    )
    parser.add_argument(
        "--iters",
        type=int,
        default=None,
        help="shorten the train_neuralnet.py scripts to this many iterations (both runs)",
    )
    args = parser.parse_args(argv)
    try:
        named = {resolve(spec): spec for spec in args.scripts}
    except ValueError as err:
        parser.error(str(err))
    for chapter in sorted({chapter for chapter, _ in named}):
        if not (args.book / chapter).is_dir():
            parser.error(f"{args.book} has no {chapter}/ folder")
    order = {resolve(name): i for i, name in enumerate(DEFAULT_SCRIPTS)}
    todo = sorted(named, key=lambda key: order.get(key, -1))
    for loader, saver in NEEDS_SAVED.items():
        if resolve(loader) in named and resolve(saver) not in named:
            parser.error(
                f"{loader.split('/')[1]} loads the parameters {saver.split('/')[1]} "
                f"saves: compare it too"
            )
    failed = 0
    with tempfile.TemporaryDirectory(prefix="pyref-compare-") as tmp:
        folders = scratch_folders(args.book, Path(tmp))
        for chapter, script in todo:
            outputs = {}
            for mode in ("book", "pyref"):
                cwd = folders.get((mode, chapter), args.book / chapter)
                outputs[mode] = run(
                    args.book, mode, chapter, script, args.seed, cwd, args.epochs, args.iters
                )
            same = outputs["book"] == outputs["pyref"]
            failed += not same
            lines = len(outputs["book"].splitlines())
            images = outputs["book"].count("imshow ")
            figures = outputs["book"].count("\nfigure ") + outputs["book"].startswith("figure ")
            shown = (f", {images} images" if images else "") + (
                f", {figures} figures" if figures else ""
            )
            print(f"{named[chapter, script]}: {lines} lines printed{shown}, {'identical' if same else 'DIFFERENT'}")
            if not same:
                for a, b in zip(outputs["book"].splitlines(), outputs["pyref"].splitlines()):
                    if a != b:
                        print(f"  first difference:\n    book:  {a}\n    pyref: {b}")
                        break
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
