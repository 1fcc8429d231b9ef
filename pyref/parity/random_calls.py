"""The numpy random-call vocabulary that the parity scenarios and PyRef's test
vectors share: one call ``[function, args...]`` drawn from a ``RandomState``.

A leaf of the harness (numpy and the book's rng only), the one place a call name is dispatched:
:mod:`pyref.parity.scenarios` and :mod:`pyref.parity.numpy_vectors` both draw through
:func:`random_call`. Its Julia twin, ``PyRef.RandomCalls.random_call``
(julia/src/parity/random_calls.jl), is likewise the one dispatcher there: the
parity scenarios and PyRef's tests against numpy's test vectors both call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pyref.rng import rng_state

#: Seeds the random stream is checked at: small, typical, large, the largest allowed.
SEEDS = (0, 1, 42, 123456789, 2**32 - 1)


def random_call(rs: np.random.RandomState, call: Sequence[Any]) -> Any:
    """One call ``[function, args...]`` on ``rs``, as PyRef.RandomCalls.random_call makes it.

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
