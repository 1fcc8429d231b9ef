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
