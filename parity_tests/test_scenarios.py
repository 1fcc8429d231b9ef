"""Every parity scenario, Python against Julia, through one Julia session.

Skipped with the reason when no Julia is found, failed instead when
PYREF_REQUIRE_JULIA=1 (as in CI). A failure message is the harness's mismatch
report: scenario, output, first differing index, both values, the ULP distance.
"""

from __future__ import annotations

import pytest

from pyref.parity import run_scenario
from pyref.scenarios import SCENARIOS


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str, julia_session) -> None:
    result = run_scenario(SCENARIOS[name], julia_session)
    assert result.comparisons or result.error, f"{name} compared nothing"
    assert result.passed, result.message()
