"""Run the book's ch06 scripts twice, seeded the same — once on the book's own common/
code, once with their imports switched to pyref — and compare what they print.

    python tools/compare_with_book.py /path/to/deep-learning-from-scratch [script.py ...]

Both runs get the same data (pyref's load_mnist, embedded by default), so any
difference in the printed losses and accuracies comes from the code. Figures are
drawn off screen and discarded. Exit status 1 if any script's output differs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

DEFAULT_SCRIPTS = (
    "overfit_weight_decay.py", "overfit_dropout.py", "batch_norm_test.py",
    "batch_norm_gradient_check.py", "optimizer_compare_mnist.py", "weight_init_compare.py",
    "hyperparameter_optimization.py",
)  # fmt: skip

_RUNNER = r"""
import re, sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.show = lambda *a, **k: None
book, mode, script, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
src = open(f"{book}/ch06/{script}", encoding="utf-8").read()
sys.path.insert(0, book)
import pyref
import dataset.mnist
dataset.mnist.load_mnist = pyref.load_mnist  # the same data for both runs
if mode == "pyref":
    src = re.sub(r"^sys\.path\.append.*$", "", src, flags=re.M)
    # numpy too: some scripts get `np` only through `from common.optimizer import *`.
    src = re.sub(r"^from (dataset|common)\.\w+ import .*$", "import numpy as np; from pyref import *",
                 src, flags=re.M)
np.random.seed(seed)
exec(compile(src, script, "exec"), {"__name__": "__main__"})
"""


def run(book: Path, mode: str, script: str, seed: int) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(book), mode, script, str(seed)],
        cwd=book / "ch06", capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{script} ({mode}) failed:\n{proc.stderr[-2000:]}")
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path, help="a checkout of deep-learning-from-scratch")
    parser.add_argument("scripts", nargs="*", default=list(DEFAULT_SCRIPTS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not (args.book / "ch06").is_dir():
        parser.error(f"{args.book} has no ch06/ folder")
    failed = 0
    for script in args.scripts:
        book_out = run(args.book, "book", script, args.seed)
        ours = run(args.book, "pyref", script, args.seed)
        same = book_out == ours
        failed += not same
        lines = len(book_out.splitlines())
        print(f"{script}: {lines} lines printed, {'identical' if same else 'DIFFERENT'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
