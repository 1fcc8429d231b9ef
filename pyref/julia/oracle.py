"""Test vectors that numpy itself produces, for checking PyRef.NumpyRandom bit for bit.

``write_oracle(directory)`` runs a list of cases through ``np.random.RandomState``
and writes each output as .npy plus a ``manifest.tsv`` listing the calls; the
Julia tests replay the same calls and compare with ``===``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

#: Seeds the oracle covers: small, typical, the largest allowed, and a large one.
ORACLE_SEEDS = (0, 1, 42, 123456789, 2**32 - 1)

#: Each case: a list of calls on one fresh RandomState(seed); every call's output is saved.
#: A call is [function, args...] as both sides name them.
ORACLE_CASES: dict[str, list[list[Any]]] = {
    "rand": [["rand", 5], ["rand", 3, 4], ["rand"], ["rand", 2, 3, 4]],
    "randn_odd": [["randn", 3], ["randn"], ["randn", 2, 2], ["randn", 5]],
    "randn_big": [["randn", 100000]],
    "randn_mnist": [["randn", 784, 100]],
    "uniform": [["uniform", -8.0, -4.0], ["uniform", -6.0, -2.0], ["uniform", 0.0, 1.0, 7]],
    "randint": [
        ["randint", 0, 10, 20],
        ["randint", -5, 5, 3, 3],
        ["randint", 7, 8, 4],
        ["randint", 0, 2**40, 6],
        ["randint", 0, 2**32, 5],
        ["randint", 0, 2**32 + 1, 5],
        ["randint", 1000],
    ],  # fmt: skip
    "choice": [["choice", 60000, 128], ["choice", 10, 10, False], ["choice", 500, 100]],
    "permutation": [["permutation", 10], ["permutation", 500]],
    "shuffle_rows": [["shuffle_rows", 7, 3]],
    "interleaved": [
        ["randn", 3],
        ["rand", 2, 2],
        ["randint", 0, 100, 3],
        ["randn", 1],
        ["uniform", 1.0, 2.0],
        ["randn", 2],
        ["permutation", 5],
        ["get_state"],
    ],  # fmt: skip
}


def _call(rs: np.random.RandomState, call: list[Any]) -> np.ndarray:
    name, *args = call
    if name == "rand":
        return np.asarray(rs.rand(*args))
    if name == "randn":
        return np.asarray(rs.randn(*args))
    if name == "uniform":
        lo, hi, *size = args
        return np.asarray(rs.uniform(lo, hi, *size) if not size else rs.uniform(lo, hi, size[0]))
    if name == "randint":
        if len(args) == 1:
            return np.asarray(rs.randint(args[0]), dtype=np.int64)
        lo, hi, *size = args
        return np.asarray(rs.randint(lo, hi, size=tuple(size)), dtype=np.int64)
    if name == "choice":
        n, size, *replace = args
        return np.asarray(
            rs.choice(n, size, replace=replace[0] if replace else True), dtype=np.int64
        )
    if name == "permutation":
        return np.asarray(rs.permutation(args[0]), dtype=np.int64)
    if name == "shuffle_rows":
        x = np.arange(args[0] * args[1], dtype=np.float64).reshape(args[0], args[1])
        rs.shuffle(x)
        return x
    if name == "get_state":
        _, key, pos, has_gauss, gauss = rs.get_state()
        return np.concatenate([key.astype(np.float64), [pos, has_gauss, gauss]])
    raise ValueError(f"unknown oracle call {name!r}")


def write_oracle(directory: str | os.PathLike) -> None:
    """Write every case for every seed into ``directory`` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for seed in ORACLE_SEEDS:
        for case, calls in ORACLE_CASES.items():
            if case in ("randn_big", "randn_mnist") and seed not in (0, 42):
                continue
            rs = np.random.RandomState(seed)
            for k, call in enumerate(calls):
                fname = f"{case}-{seed}-{k}.npy"
                np.save(out / fname, _call(rs, call), allow_pickle=False)
                words = [str(seed), fname, *(_word(a) for a in call)]
                manifest.append("\t".join(words))
    # Tab-separated (Julia's standard library reads it without a JSON parser).
    (out / "manifest.tsv").write_text("\n".join(manifest) + "\n")


def _word(value: Any) -> str:
    """One call argument as text: ints plainly, floats with a '.', booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
