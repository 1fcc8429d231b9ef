"""numpy's float16 casts against PyRef's ``np_float16``, and why it is needed.

numpy rounds a double to float16 once (npy_double_to_half); Julia 1.5's
``Float16(::Float64)`` rounds through Float32 and so twice. The doubles here are
random over float16's range plus the cases that separate the two: just above a tie
(1 + 2^-11 + 2^-40), exact ties, subnormals, the overflow edge at 65520.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from pyref.runtime import locate

JULIA_SNIPPET = """
using PyRef
rd(p, T) = collect(reinterpret(T, read(p)))
x = rd(ARGS[1], Float64)
want = rd(ARGS[2], UInt16)
println("mismatches ", count(reinterpret.(UInt16, np_float16.(x)) .!= want))
"""


def _doubles() -> np.ndarray:
    rs = np.random.RandomState(16)
    scales = rs.choice([1e-8, 1e-5, 1e-2, 1.0, 1e2, 1e4, 6e4], 20000)
    near_ties = np.float16(rs.randn(5000)).astype(np.float64)
    near_ties = (
        near_ties * (1 + rs.choice([-1.0, 1.0], 5000) * 2.0**-11) + rs.randn(5000) * 2.0**-40
    )
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 65519.99, 65520.0, -65520.0,
             2.0**-25, 3 * 2.0**-26, -(2.0**-25), 2.0**-24, 1 + 2.0**-11, 1 + 3 * 2.0**-11,
             1 + 2.0**-11 + 2.0**-40]  # fmt: skip
    return np.concatenate([rs.randn(20000) * scales, near_ties, edges])


def test_np_float16_rounds_as_numpy(julia_exe: Path, tmp_path: Path) -> None:
    x = _doubles()
    with np.errstate(over="ignore"):
        want = x.astype(np.float16)
    # The cases are worth having: rounding through float32 gets some of them wrong.
    with np.errstate(over="ignore"):
        assert (
            np.sum(x.astype(np.float32).astype(np.float16).view(np.uint16) != want.view(np.uint16))
            > 0
        )
    x.tofile(tmp_path / "x.bin")
    want.view(np.uint16).tofile(tmp_path / "want.bin")
    proc = subprocess.run(
        [
            *locate.julia_command(
                "-e", JULIA_SNIPPET, str(tmp_path / "x.bin"), str(tmp_path / "want.bin")
            )
        ],
        env=locate.julia_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "mismatches 0", proc.stdout[-3000:]
