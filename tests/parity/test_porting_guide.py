"""docs/porting.md, run as a reader would: its first-try port fails `exact` and is
located, the port with PyRef's helpers passes, with the command the page shows.

The files are the page's code blocks marked ``<!-- recipe: NAME -->``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from test_readme_recipe import REPO, run_parity

PAGE = REPO / "docs" / "porting.md"


def recipes() -> dict[str, str]:
    text = PAGE.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- recipe: ([^>]+?) -->\s*```\w*\n(.*?)```", text, flags=re.S))


def command() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    (line,) = re.findall(r"```bash\n(pyref parity .*?)\n```", text)
    return shlex.split(line)[2:]


def test_the_porting_guide_first_fails_then_matches(julia_exe: Path, tmp_path: Path) -> None:
    files = recipes()
    assert set(files) == {"softmax_port.py", "softmax_port.jl (first try)", "softmax_port.jl"}
    (tmp_path / "softmax_port.py").write_text(files["softmax_port.py"], encoding="utf-8")
    jl = tmp_path / "softmax_port.jl"

    jl.write_text(files["softmax_port.jl (first try)"], encoding="utf-8")
    proc = run_parity(*command(), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The softmax's exp and row sum always differ; the product only where Julia's
    # own BLAS splits it differently (its thread count decides).
    assert "softmax-port/y [exact]: first differs at index (" in proc.stdout, proc.stdout
    assert re.search(
        r"softmax-port/scores \[exact\]: first differs at index \(|"
        r"softmax-port\s+scores\s+exact\s+0\s+0\s+0\s+pass",
        proc.stdout,
    ), proc.stdout

    jl.write_text(files["softmax_port.jl"], encoding="utf-8")
    proc = run_parity(*command(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"softmax-port\s+scores\s+exact\s+0\s+0\s+0\s+pass", proc.stdout)
    assert re.search(r"softmax-port\s+y\s+exact\s+0\s+0\s+0\s+pass", proc.stdout)
