"""pyref.rng: the one seed check and the one encoding of a stream's state."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pyref.rng import SEED_MAX, check_seed, make_rng, rng_state, set_rng_state


def test_check_seed_takes_numpy_legacy_seeds_only() -> None:
    assert check_seed("seed", 0) == 0 and check_seed("seed", np.uint32(SEED_MAX)) == 2**32 - 1
    for bad, error in (
        (-1, ValueError),
        (2**32, ValueError),
        (1.0, TypeError),
        (True, TypeError),
        ("3", TypeError),
    ):
        with pytest.raises(error, match="^--seed must"):
            check_seed("--seed", bad)
    with pytest.raises(ValueError, match="seed must be between 0 and 2\\*\\*32 - 1"):
        make_rng(2**32)


def test_a_state_goes_through_json_and_back_to_the_same_stream() -> None:
    rng = np.random.RandomState(5)
    rng.randn(3)  # odd: a Gaussian is cached
    state = json.loads(json.dumps(rng_state(rng)))
    assert state["has_gauss"] == 1 and len(state["key"]) == 624
    copy = set_rng_state(np.random.RandomState(), state)
    assert np.array_equal(copy.randn(5), rng.randn(5))
    assert rng_state(copy) == rng_state(rng)


@pytest.mark.parametrize(
    "damage",
    [
        {"key": [0] * 623},
        {"key": [-1] * 624},
        {"key": [0.5] * 624},
        {"pos": 625},
        {"pos": "3"},
        {"has_gauss": 2},
        {"cached_gaussian": "x"},
        {"key": None},
    ],
)
def test_a_damaged_state_is_a_value_error_and_leaves_the_stream(damage: dict) -> None:
    rng = np.random.RandomState(1)
    before = rng_state(rng)
    with pytest.raises(ValueError, match="the stored state is not a numpy RandomState state"):
        set_rng_state(rng, {**before, **damage}, "the stored state")
    with pytest.raises(ValueError):
        set_rng_state(rng, [1, 2, 3])
    assert rng_state(rng) == before
