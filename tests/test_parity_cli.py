"""`pyref parity` as a user runs it: the table, the JSON report, the plots, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def parity(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, MPLBACKEND="Agg", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "pyref.cli", "parity", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=full_env,
        timeout=600,
    )


def test_report_json_and_plots(julia_exe: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    plots = tmp_path / "plots"
    names = ["random-choice", "layer-dropout", "trainer-sgd"]
    proc = parity("--scenario", *names, "--json", str(out), "--plot", str(plots))
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
    outputs = json.loads(out.read_text())["results"][0]["outputs"]
    loss = next(o for o in outputs if o["output"] == "train_loss")
    assert loss["tier"] == "trajectory" and len(loss["divergence_ulps"]) == 40
    assert loss["max_abs"] <= loss["tier_bound"]


def test_list_and_bad_input() -> None:
    proc = parity("--list", "--quick")
    assert proc.returncode == 0 and "random-rand" in proc.stdout
    assert proc.stdout.split()[:4] == ["scenario", "section", "runs", "description"]
    assert "trainer-momentum-l1-long" not in proc.stdout  # not a quick one
    assert "full-optimizer-compare-mnist" not in parity("--list").stdout
    assert "full-optimizer-compare-mnist" in parity("--list", "--full").stdout
    proc = parity("--scenario", "no-such-scenario")
    assert proc.returncode == 2 and "unknown scenario(s) no-such-scenario" in proc.stderr
    proc = parity("--load", "missing_file.py")
    assert proc.returncode == 2 and "no Python file" in proc.stderr


def test_a_scenario_file_with_the_old_tier_name_says_it_is_now_close(tmp_path: Path) -> None:
    mine = tmp_path / "mine.py"
    mine.write_text("from pyref.parity import Scenario, register, ulp\n", encoding="utf-8")
    proc = parity("--load", str(mine), "--list")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"--load {mine}: line 1: ValueError: the parity tier 'ulp' is now called 'close'" in (
        proc.stderr
    )


def test_a_missing_julia_exits_2_at_once(tmp_path: Path) -> None:
    env = {"PYREF_JULIA": str(tmp_path / "julia"), "PYREF_JULIA_BRIDGE": "exe"}
    proc = parity("--scenario", "random-rand", env=env)
    assert proc.returncode == 2
    assert "PYREF_JULIA" in proc.stderr and "pyref julia install" in proc.stderr


def test_a_run_prints_one_row_per_scenario_unless_asked(julia_exe: Path) -> None:
    """Without --scenario the table has a row per scenario (section, outputs, tiers,
    worst ULPs); --all gives every output's row."""
    from pyref.parity import format_table, run_suite
    from pyref.parity.scenarios import SCENARIOS
    from pyref.runtime import session

    results = run_suite([SCENARIOS["random-rand"], SCENARIOS["layer-affine"]], session())
    summary = format_table(results, outputs=False).splitlines()
    assert summary[0].split() == "scenario section outputs tiers max ULPs result".split()
    n_random = str(len(results[0].comparisons))
    assert summary[2].split() == ["random-rand", "random", n_random, "exact", "0", "pass"]
    assert summary[3].split() == ["layer-affine", "6.1", "4", "exact", "0", "pass"]
    assert "2/2 scenarios passed (" in summary[-1]
    full = format_table(results, outputs=True)
    assert re.search(r"^layer-affine\s+dW\s+exact\s+0\s+0\s+0\s+pass$", full, flags=re.M)
    assert len(full.splitlines()) == 2 + sum(len(r.comparisons) for r in results) + 2
