"""``pyref bench``'s convnet and deepconvnet sections (quick: both languages' steps,
their bounds and the per-part timings; the book's DeepConvNet step when a checkout of
the book is at ``PYREF_BOOK``, /tmp/book by default), ``--book``'s checks and the
verify section, end to end. Only that the measurements run and report; the speed
targets are judged by the full benchmark, not by a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyref.bench.sections import _check_book

BOOK = Path(os.environ.get("PYREF_BOOK", "/tmp/book"))

#: The layers timed one by one, in both languages (bench/README.md's table).
PARTS = (
    "im2col",
    "conv forward (im2col, product, bias)",
    "relu1 forward",
    "pool forward (argmax)",
    "pool backward (scatter)",
    "relu1 backward",
    "conv backward (db, dW)",
    "conv backward with dx (col2im)",
    "gradient (all layers)",
    "Adam update",
)


def test_convnet_section_reports_both_languages(julia_exe: Path, tmp_path: Path) -> None:
    out = tmp_path / "convnet.json"
    env = dict(os.environ, PYREF_JULIA_BRIDGE="exe")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "bench",
            "--quick",
            "--only",
            "convnet",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    figures = data["figures"]
    for lang in ("python", "julia"):
        step, bound = figures[f"convnet.{lang}.seconds"], figures[f"convnet.{lang}.bound_seconds"]
        assert 0 < bound and 0 < step
        assert figures[f"convnet.{lang}.ratio"] == step / bound
        assert f"convnet.{lang}.ratio" in proc.stdout
        details = data["details"][f"convnet.{lang}"]
        assert details["blas_threads"] == 1
        parts = details["parts"]
        assert set(PARTS) <= set(parts), sorted(set(PARTS) - set(parts))
        assert all(parts[name] > 0 for name in PARTS)
        # A whole gradient holds the conv forward and the backward parts it times.
        assert parts["gradient (all layers)"] > parts["conv forward (im2col, product, bias)"]


#: The DeepConvNet's parts, named alike in both languages (bench/README.md's table).
DEEP_PARTS = (
    *(f"conv{i} forward" for i in range(1, 7)),
    *(
        f"{kind} {way} (all)"
        for way in ("forward", "backward")
        for kind in ("conv", "relu", "pool", "affine", "dropout")
    ),
    "gradient (all layers)",
    "Adam update",
)


def _bench(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """``pyref bench --quick ARGS --json FILE`` through the CLI: the process and the JSON."""
    out = tmp_path / "bench.json"
    env = dict(os.environ, PYREF_JULIA_BRIDGE="exe")
    proc = subprocess.run(
        [sys.executable, "-m", "pyref.cli", "bench", "--quick", *args, "--json", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, json.loads(out.read_text())


def test_deepconvnet_section_reports_both_languages(julia_exe: Path, tmp_path: Path) -> None:
    proc, data = _bench(tmp_path, "--only", "deepconvnet")
    figures = data["figures"]
    names = {}
    for lang in ("python", "julia"):
        name = f"deepconvnet.{lang}"
        step, bound = figures[f"{name}.seconds"], figures[f"{name}.bound_seconds"]
        assert 0 < bound and 0 < step and 0 < figures[f"{name}.minimal_ratio"]
        assert figures[f"{name}.ratio"] == step / bound
        assert f"{name}.ratio" in proc.stdout
        details = data["details"][name]
        assert details["blas_threads"] == 1
        parts = details["parts"]
        assert set(DEEP_PARTS) <= set(parts), sorted(set(DEEP_PARTS) - set(parts))
        assert all(parts[part] > 0 for part in DEEP_PARTS)
        # A whole gradient holds the forward passes it times.
        assert parts["gradient (all layers)"] > parts["conv forward (all)"]
        names[lang] = set(parts)
    assert names["python"] == names["julia"]
    assert "deepconvnet.julia.ratio" in proc.stdout and "≤ 1.5" in proc.stdout


@pytest.mark.skipif(not (BOOK / "ch08" / "deep_convnet.py").is_file(), reason=f"no book at {BOOK}")
def test_deepconvnet_section_times_the_books_step(julia_exe: Path, tmp_path: Path) -> None:
    proc, data = _bench(tmp_path, "--only", "deepconvnet", "--book", str(BOOK))
    figures = data["figures"]
    assert figures["deepconvnet.book.seconds"] > 0 and figures["deepconvnet.book.ratio"] > 0
    assert figures["deepconvnet.python.speedup_over_book"] == (
        figures["deepconvnet.book.seconds"] / figures["deepconvnet.python.seconds"]
    )
    assert "deepconvnet.python.speedup_over_book" in proc.stdout and "≥ 1.5" in proc.stdout
    assert "parts" not in data["details"]["deepconvnet.book"]


def test_book_must_be_a_checkout_for_the_sections_timing_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="add convnet or deepconvnet to --only"):
        _check_book(str(tmp_path), ("step",))
    with pytest.raises(ValueError, match="there is no folder"):
        _check_book(str(tmp_path / "none"), ("deepconvnet",))
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "optimizer.py").write_text("")
    (tmp_path / "ch07").mkdir()
    (tmp_path / "ch07" / "simple_convnet.py").write_text("")
    _check_book(str(tmp_path), ("convnet",))
    with pytest.raises(
        ValueError, match=r"no ch08/deep_convnet\.py, which the deepconvnet section"
    ):
        _check_book(str(tmp_path), ("convnet", "deepconvnet"))
    _check_book(None, ("step",))


def test_verify_section_times_a_one_optimizer_port(julia_exe: Path, tmp_path: Path) -> None:
    out = tmp_path / "verify.json"
    env = dict(os.environ, PYREF_JULIA_BRIDGE="exe")
    proc = subprocess.run(
        [sys.executable, "-m", "pyref.cli", "bench", "--only", "verify", "--json", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["details"]["verify"]["verdicts"] == ["exact"]
    assert data["figures"]["verify.one_optimizer_seconds"] > 0
    assert "verify.one_optimizer_seconds" in proc.stdout
