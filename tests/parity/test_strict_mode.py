"""Strict mode shows a porting mistake of one last bit, anywhere in a training run.

A fresh Julia session gets one PyRef computation changed by an operation order
(SGD's step `lr·g` computed as `g / (1/lr)`: the same number but for the last bit
now and then); the Trainer scenario built on SGD must then fail under numpy's BLAS,
and the report must name the first differing index. Julia's own BLAS would hide
such a change behind the training tiers' tolerance.
"""

from __future__ import annotations

import pytest

from pyref.parity import run_scenario, use_blas
from pyref.parity.scenarios import SCENARIOS


@pytest.fixture
def fresh_session(julia_exe):
    from pyref.runtime import start_session

    session = start_session("exe")
    yield session
    session.close()


def test_a_one_bit_change_in_an_optimizer_fails_naming_the_index(fresh_session) -> None:
    assert use_blas(fresh_session, "numpy")["mode"] == "numpy"
    scenario = SCENARIOS["trainer-sgd"]
    assert run_scenario(scenario, fresh_session, strict=True).passed

    fresh_session.eval("PyRef._sgd!(p, g, lr) = (p .-= g ./ (1 / lr); nothing)")
    result = run_scenario(scenario, fresh_session, strict=True)
    assert not result.passed
    message = result.message()
    assert "trainer-sgd/train_loss [exact]: first differs at index (" in message, message
    assert "ULPs" in message
