"""Every parity scenario, Python against Julia, through one Julia session, in both
BLAS modes: ``numpy`` (PyRef's matrix products through numpy's own OpenBLAS: every
output must be exact) and ``native`` (Julia's BLAS: each output within its declared
tier).

Skipped with the reason when no Julia is found, failed instead when
PYREF_REQUIRE_JULIA=1 (as in CI). A failure message is the harness's mismatch
report: scenario, output, first differing index, both values, the ULP distance.
The full-length scenarios (``pyref parity --full``, minutes each) are not run here.
"""

from __future__ import annotations

import pytest

from pyref.parity import use_blas
from pyref.parity.scenarios import SCENARIOS
from pyref.runtime.numpyblas import MODES, NumpyBlasError

SUITE = [name for name, sc in SCENARIOS.items() if not sc.full]


@pytest.fixture
def blas_session(julia_session, request):
    """The shared session with PyRef's products in the mode the test names; the
    session's own mode is restored afterwards."""
    before = use_blas(julia_session)["mode"]
    try:
        info = use_blas(julia_session, request.param)
    except NumpyBlasError as err:  # numpy on MKL or Accelerate: no strict mode here
        pytest.skip(str(err))
    assert info["mode"] == request.param
    yield julia_session
    use_blas(julia_session, before)


@pytest.mark.parametrize("blas_session", MODES, indirect=True, ids=[f"blas={m}" for m in MODES])
@pytest.mark.parametrize("name", SUITE)
def test_scenario(name: str, blas_session, request) -> None:
    from pyref.parity import run_scenario

    strict = request.node.callspec.params["blas_session"] == "numpy"
    result = run_scenario(SCENARIOS[name], blas_session, strict=strict)
    assert result.comparisons or result.error, f"{name} compared nothing"
    assert result.passed, result.message()
    if strict:
        assert all(c.tier.kind == "exact" for c in result.comparisons)
