"""`pyref parity` as a user runs it: the table, the JSON report, the plots, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def parity(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, MPLBACKEND="Agg", **(env or {}))
    return subprocess.run([sys.executable, "-m", "pyref.cli", "parity", *args], capture_output=True,
                          text=True, cwd=REPO, env=full_env, timeout=600)  # fmt: skip


def test_report_json_and_plots(julia_exe: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    plots = tmp_path / "plots"
    proc = parity("--scenario", "random-choice", "layer-dropout", "trainer-sgd",
                  "--json", str(out), "--plot", str(plots))  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    header = "scenario  output  tier  max abs  max rel  max ULPs  result"
    assert " ".join(header.split()) in " ".join(proc.stdout.split())
    assert "3/3 scenarios passed" in proc.stdout and "julia" in proc.stdout
    report = json.loads(out.read_text())
    assert report["passed"] and report["scenarios"] == 3 and report["info"]["bridge"]
    trainer = next(r for r in report["results"] if r["scenario"] == "trainer-sgd")
    loss = next(o for o in trainer["outputs"] if o["output"] == "train_loss")
    # numpy's BLAS (the default): every output exact, the training curves too, step by step.
    assert loss["tier"] == "exact" and loss["divergence_ulps"] == [0.0] * 40
    assert [p.name for p in plots.iterdir()] == ["trainer-sgd.png"]
    assert (plots / "trainer-sgd.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Julia's own BLAS: the declared tiers, the divergence measured per step.
    proc = parity("--scenario", "trainer-sgd", "--blas", "native", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Julia's own" in proc.stdout
    loss = next(o for o in json.loads(out.read_text())["results"][0]["outputs"]
                if o["output"] == "train_loss")  # fmt: skip
    assert loss["tier"] == "trajectory" and len(loss["divergence_ulps"]) == 40
    assert loss["max_abs"] <= loss["tier_bound"]


def test_list_and_bad_input() -> None:
    proc = parity("--list", "--quick")
    assert proc.returncode == 0 and "random-rand" in proc.stdout
    assert "trainer-momentum-l1-long" not in proc.stdout  # not a quick one
    proc = parity("--scenario", "no-such-scenario")
    assert proc.returncode == 2 and "unknown scenario(s) no-such-scenario" in proc.stderr
    proc = parity("--load", "missing_file.py")
    assert proc.returncode == 2 and "no Python file" in proc.stderr


def test_a_missing_julia_exits_2_at_once(tmp_path: Path) -> None:
    proc = parity("--scenario", "random-rand",
                  env={"PYREF_JULIA": str(tmp_path / "julia"), "PYREF_JULIA_BRIDGE": "exe"})  # fmt: skip
    assert proc.returncode == 2
    assert "PYREF_JULIA" in proc.stderr and "pyref julia install" in proc.stderr
