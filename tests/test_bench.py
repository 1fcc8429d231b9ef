"""``pyref bench``'s convnet section (quick: both languages' steps, their bounds and
the per-part timings) and its verify section, end to end. Only that the measurements
run and report; the speed targets are judged by the full benchmark, not by a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
