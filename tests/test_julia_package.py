"""The Julia package's own test suite (julia/test/runtests.jl), run through `pyref julia test`.

It fails, not skips, when PYREF_REQUIRE_JULIA=1 and no Julia can be found.
"""

from __future__ import annotations

import subprocess
import sys


def test_julia_runtests_pass(julia_exe: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pyref.cli", "julia", "test"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    assert "Test Summary" in proc.stdout + proc.stderr, tail
