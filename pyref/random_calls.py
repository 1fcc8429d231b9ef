"""The numpy random-call vocabulary that the parity scenarios and PyRef's test
vectors share: one call ``[function, args...]`` drawn from a ``RandomState``.

A leaf module (numpy only): ``pyref.scenarios`` and ``pyref.runtime.oracle`` both
draw through it, and ``PyRef.Scenarios.random_call`` is its Julia twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pyref.rng import rng_state


def random_call(rs: np.random.RandomState, call: Sequence[Any]) -> Any:
    """One call ``[function, args...]`` on ``rs``, as PyRef.Scenarios.random_call makes it.

    ``rand``/``randn``: dims...; ``uniform``: low, high, dims...; ``randint``: low,
    high, dims... (or high alone); ``choice``: n, size[, replace]; ``permutation``: n; ``shuffle``:
    rows, cols (of an arange matrix); ``state``: the generator's state afterwards.
    """
    name, *args = call
    if name == "rand":
        return rs.rand(*args)
    if name == "randn":
        return rs.randn(*args)
    if name == "uniform":
        low, high, *dims = args
        return rs.uniform(low, high, tuple(dims) if dims else None)
    if name == "randint":
        if len(args) == 1:  # randint(high)
            return rs.randint(args[0], dtype=np.int64)
        low, high, *dims = args
        return rs.randint(low, high, size=tuple(dims) if dims else None, dtype=np.int64)
    if name == "choice":
        n, size, *replace = args
        return rs.choice(n, size, replace=replace[0] if replace else True)
    if name == "permutation":
        return rs.permutation(args[0])
    if name == "shuffle":
        rows, cols = args
        x = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
        rs.shuffle(x)
        return x
    if name == "state":
        state = rng_state(rs)  # the key as an array, as PyRef's comes back
        return {**state, "key": np.asarray(state["key"], dtype=np.int64)}
    raise ValueError(f"unknown random call {name!r}")
