"""docs/parity.md's "Adding a scenario" recipe, run as a user would run it.

The two files are taken from the page's code blocks marked ``<!-- recipe: NAME -->``,
so the documentation cannot drift from what works. The test also breaks the Julia
side on purpose, to see the report name the first differing index.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def recipe_files() -> dict[str, str]:
    text = (REPO / "docs" / "parity.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- recipe: (\S+) -->\s*```\w*\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def run_parity(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MPLBACKEND="Agg", PYREF_JULIA_BRIDGE="exe")
    return subprocess.run(
        [sys.executable, "-m", "pyref.cli", "parity", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def test_the_readme_recipe_works_and_can_fail(julia_exe: Path, tmp_path: Path) -> None:
    files = recipe_files()
    assert set(files) == {"my_port.py", "my_port.jl"}, files.keys()
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    proc = run_parity("--load", "my_port.py", "--scenario", "ch04-gradient-descent", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"ch04-gradient-descent\s+path\s+exact\s+0\s+0\s+0\s+pass", proc.stdout)
    assert "1/1 scenarios passed" in proc.stdout

    # A port that drifts by a last bit is caught and located.
    jl = tmp_path / "my_port.jl"
    drifted = "x .-= lr .* (2 .* x) .+ (k == 37 ? 1e-17 : 0.0)"
    jl.write_text(files["my_port.jl"].replace("x .-= lr .* (2 .* x)", drifted))
    proc = run_parity("--load", "my_port.py", "--scenario", "ch04-gradient-descent", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ch04-gradient-descent/path [exact]: first differs at index (37, " in proc.stdout
    assert "ULPs" in proc.stdout
