"""tools/compare_with_book.py and tools/bench_vs_book.py on a stand-in for the book's
checkout (the real one is the user's, never committed): a ch06 folder whose scripts
import from ``common`` as the book's do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"

#: Prints the same under both modes: a seeded draw, through numpy only.
SAME = """\
import sys, os
sys.path.append(os.pardir)
import numpy as np
import matplotlib.pyplot as plt
from common.util import smooth_curve  # switched to pyref's, unused
print(np.random.rand(3).tolist())
plt.plot(np.cumsum(np.random.rand(20)))
plt.show()
"""

#: Prints which module smooth_curve came from: the book's common, or pyref.
DIFFERENT = """\
import sys, os
sys.path.append(os.pardir)
from common.util import smooth_curve
print(smooth_curve.__module__)
"""


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    (root / "ch06").mkdir(parents=True)
    (root / "common").mkdir()
    (root / "dataset").mkdir()
    (root / "common" / "util.py").write_text(
        "import numpy as np\n\n\ndef smooth_curve(x):\n    return np.asarray(x, dtype=float)\n"
    )
    (root / "dataset" / "mnist.py").write_text("def load_mnist(**kwargs):\n    raise OSError\n")
    (root / "ch06" / "optimizer_compare_naive.py").write_text(SAME)
    (root / "ch06" / "weight_init_compare.py").write_text(DIFFERENT)
    return root


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOLS / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_bench_vs_book_times_both_modes_and_checks_the_output(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = run_tool(
        "bench_vs_book.py",
        str(book),
        "optimizer_compare_naive.py",
        "--pairs",
        "2",
        "--json",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "| optimizer_compare_naive.py |" in proc.stdout and "identical" in proc.stdout
    result = json.loads(out.read_text())["results"][0]
    assert result["identical"] and len(result["wall_ratios"]) == 2
    assert len(result["book_runs"]) == len(result["pyref_runs"]) == 2
    for run in result["book_runs"] + result["pyref_runs"]:
        assert run["wall_s"] > 0 and run["minor_faults"] > 0 and run["peak_rss_mib"] > 10


def test_bench_vs_book_reports_a_different_output(book: Path) -> None:
    proc = run_tool("bench_vs_book.py", str(book), "weight_init_compare.py", "--pairs", "1")
    assert proc.returncode == 1
    assert "DIFFERENT" in proc.stdout


def test_bench_vs_book_refuses_bad_arguments(book: Path) -> None:
    assert (
        "--pairs must be at least 1"
        in run_tool("bench_vs_book.py", str(book), "--pairs", "0").stderr
    )
    assert "not a ch06 script" in run_tool("bench_vs_book.py", str(book), "mine.py").stderr
    assert "has no ch06/" in run_tool("bench_vs_book.py", str(book / "ch06")).stderr


def test_compare_with_book_compares_what_a_script_draws(book: Path) -> None:
    proc = run_tool("compare_with_book.py", str(book), "optimizer_compare_naive.py")
    assert proc.returncode == 0, proc.stderr
    assert "1 figures, identical" in proc.stdout
    proc = run_tool("compare_with_book.py", str(book), "weight_init_compare.py")
    assert proc.returncode == 1 and "DIFFERENT" in proc.stdout


#: ch05 and ch08 stand-ins: each prints where its class came from (the book's module or
#: pyref's) unless its length was shortened by --iters or --epochs, which both runs get.
CH05_SCRIPT = """\
from layer_naive import *
iters_num = 10000
layer = MulLayer()
print(layer.forward(100, 2), layer.backward(1.1))
print(MulLayer.__module__ if iters_num == 10000 else "shortened")
"""
CH08_SCRIPT = """\
import sys, os
sys.path.append(os.pardir)
from deep_convnet import DeepConvNet
from dataset.mnist import load_mnist
settings = dict(epochs=20, mini_batch_size=100)
print(DeepConvNet.__module__ if settings["epochs"] == 20 else "shortened")
"""
STAND_IN_MULLAYER = """\
class MulLayer:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x
"""


def test_compare_with_book_switches_ch05_and_ch08_by_one_line(book: Path) -> None:
    for chapter in ("ch05", "ch08"):
        (book / chapter).mkdir()
    (book / "ch05" / "layer_naive.py").write_text(STAND_IN_MULLAYER)
    (book / "ch05" / "buy_apple.py").write_text(CH05_SCRIPT)
    (book / "ch08" / "deep_convnet.py").write_text("class DeepConvNet:\n    pass\n")
    (book / "ch08" / "train_deepnet.py").write_text(CH08_SCRIPT)
    proc = run_tool("compare_with_book.py", str(book), "buy_apple.py", "train_deepnet.py")
    assert proc.returncode == 1, proc.stderr
    assert "buy_apple.py: 2 lines printed, DIFFERENT" in proc.stdout
    assert "pyref: shortened" not in proc.stdout and "pyref.layers" in proc.stdout
    assert "train_deepnet.py: 1 lines printed, DIFFERENT" in proc.stdout
    assert "pyref.deep_convnet" in proc.stdout
    proc = run_tool(
        "compare_with_book.py", "--iters", "3", "--epochs", "1", str(book), "buy_apple.py",
        "train_deepnet.py",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "buy_apple.py: 2 lines printed, identical" in proc.stdout
    assert "train_deepnet.py: 1 lines printed, identical" in proc.stdout


def test_compare_with_book_wants_the_script_that_saves_the_parameters(book: Path) -> None:
    (book / "ch08").mkdir()
    proc = run_tool("compare_with_book.py", str(book), "misclassified_mnist.py")
    assert proc.returncode == 2
    assert "misclassified_mnist.py loads the parameters train_deepnet.py saves" in proc.stderr
    proc = run_tool("compare_with_book.py", str(book), "half_float_network.py")
    assert proc.returncode == 2
    assert "half_float_network.py loads the parameters train_deepnet.py saves" in proc.stderr


def test_compare_with_book_asks_which_chapter_a_shared_script_name_means(book: Path) -> None:
    proc = run_tool("compare_with_book.py", str(book), "gradient_check.py")
    assert proc.returncode == 2
    assert "gradient_check.py is a script of ch05 and ch07: name it ch05/gradient_check.py" in (
        proc.stderr
    )
