"""Julia's Random API on a NumpyRandom.RandomState against numpy's RandomState, bit for bit.

Every row of the tables in docs/verify.md ("Numpy's stream through Julia's Random
API") runs in both languages from the same seed: the Julia call and its numpy twin
give the same bits and leave the same generator state; interleaved in one stream they
still agree; the calls with no numpy twin throw an ArgumentError before drawing, and
what the table offers instead reproduces numpy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyref.rng import rng_state
from pyref.runtime.session import JuliaArgumentError

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Numpy's stream through Julia's Random API"
SEEDS = (0, 1, 2024)

#: The names the tables use, bound alike in both languages.
JULIA_NAMES = (
    "n = 10; k = 7; a = -3; b = 7; v = collect(1.0:10.0); A = zeros(5, 4); "
    "M = [1.0 2.0 3.0; 4.0 5.0 6.0]"
)


def _numpy_names(rs: np.random.RandomState) -> dict[str, Any]:
    return {
        "rs": rs,
        "np": np,
        "n": 10,
        "k": 7,
        "a": -3,
        "b": 7,
        "v": np.arange(1.0, 11.0),
        "A": np.zeros((5, 4)),
        "M": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
    }


def _code(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _tables() -> tuple[list[tuple[str, str]], list[tuple[list[str], list[str], list[str]]]]:
    """The section's twin rows (julia, numpy) and no-twin rows (calls, instead, numpy)."""
    text = (ROOT / "docs" / "verify.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    twins, raising = [], []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 2:
            (julia,), (numpy,) = _code(cells[0]), _code(cells[1])
            twins.append((julia, numpy))
        else:
            raising.append((_code(cells[0]), _code(cells[1]), _code(cells[2])))
    return twins, raising


TWINS, RAISING = _tables()


@pytest.fixture
def jl(julia_session):
    julia_session.eval("using Random")
    return julia_session


def _julia(jl, seed: int, calls: list[str]) -> tuple[list[Any], dict[str, Any]]:
    """Each call's result, in order on one stream, and the stream's state after."""
    pushes = "".join(f"push!(outs, deepcopy({c})); " for c in calls)
    code = (
        f"let rs = NumpyRandom.RandomState({seed}); {JULIA_NAMES}; outs = Any[]; {pushes}"
        "(outs, NumpyRandom.rng_state(rs)) end"
    )
    outs, state = jl.eval(code)
    return outs, state


def _numpy(seed: int, calls: list[str]) -> tuple[list[Any], dict[str, Any]]:
    rs = np.random.RandomState(seed)
    names = _numpy_names(rs)
    outs = []
    for call in calls:
        out = eval(call, names)  # noqa: S307 - the doc's own numpy expressions
        if out is None:  # in place (rs.shuffle(v)): the argument is the result
            out = names[re.search(r"\((\w+)\)$", call).group(1)]
        outs.append(np.copy(out) if isinstance(out, np.ndarray) else out)
    return outs, rng_state(rs)


def _same(julia: Any, numpy: Any) -> bool:
    j, p = np.asarray(julia), np.asarray(numpy)
    if p.dtype.kind in "US" or j.dtype.kind in "US":
        return j.tolist() == p.tolist()
    if j.shape != p.shape:
        return False
    if p.dtype.kind in "iu" and j.dtype.kind in "iu":  # Julia's UInt32 is a Python int
        return j.tolist() == p.tolist()
    return (
        j.dtype == p.dtype
        and np.ascontiguousarray(j).tobytes() == np.ascontiguousarray(p).tobytes()
    )


def _same_state(julia: dict[str, Any], numpy: dict[str, Any]) -> bool:
    return (
        np.array_equal(np.asarray(julia["key"]), np.asarray(numpy["key"]))
        and julia["pos"] == numpy["pos"]
        and julia["has_gauss"] == numpy["has_gauss"]
        and float(julia["cached_gaussian"]).hex() == float(numpy["cached_gaussian"]).hex()
    )


def _check(jl, seed: int, julia: list[str], numpy: list[str]) -> None:
    j_outs, j_state = _julia(jl, seed, julia)
    n_outs, n_state = _numpy(seed, numpy)
    for call, twin, j, n in zip(julia, numpy, j_outs, n_outs):
        assert _same(j, n), f"seed {seed}: {call} gave {j!r}, numpy's {twin} {n!r}"
    assert _same_state(j_state, n_state), f"seed {seed}: the states differ after {julia}"


def test_the_tables_are_there():
    assert len(TWINS) >= 20 and len(RAISING) >= 12
    assert ("randn(rs, 5, 4)", "rs.randn(5, 4)") in TWINS


@pytest.mark.parametrize("julia, numpy", TWINS, ids=[j for j, _ in TWINS])
def test_each_julia_call_draws_what_its_numpy_twin_draws(jl, julia, numpy):
    for seed in SEEDS:
        _check(jl, seed, [julia], [numpy])


def test_interleaved_calls_share_one_stream(jl):
    # an odd randn leaves a Gaussian cached: rand draws past it, the next randn takes it
    julia = ["randn(rs, 3)", "rand(rs)", "randn(rs)", "rand(rs, 1:6, 4)", "randn(rs, 2, 3)"]
    numpy = ["rs.randn(3)", "rs.random_sample()", "rs.standard_normal()"]
    numpy += ["rs.randint(1, 7, size=4)", "rs.randn(2, 3)"]
    _check(jl, 5, julia, numpy)
    _, state = _julia(jl, 5, julia[:2])
    assert state["has_gauss"] == 1
    # sequences of table rows in an order drawn from a seeded numpy stream
    order = np.random.RandomState(7)
    for seed in SEEDS:
        rows = [TWINS[i] for i in order.randint(0, len(TWINS), size=14)]
        _check(jl, seed, [j for j, _ in rows], [n for _, n in rows])


@pytest.mark.parametrize("calls, instead, numpy", RAISING, ids=[c[0] for c, _, _ in RAISING])
def test_calls_without_a_numpy_twin_raise_before_drawing(jl, calls, instead, numpy):
    for call in calls:
        code = (
            f"let rs = NumpyRandom.RandomState(3); {JULIA_NAMES}; randn(rs); "
            "before = NumpyRandom.get_state(rs); "
            f'try; ({call}); ("returned", "", true) '
            "catch e; (string(nameof(typeof(e))), sprint(showerror, e), "
            "NumpyRandom.get_state(rs) == before) end end"
        )
        kind, message, untouched = jl.eval(code)
        assert kind == "ArgumentError" and "no numpy twin" in message, f"{call}: {kind} {message}"
        assert untouched, f"{call} drew before it threw"
    assert len(instead) == len(numpy)
    for seed in SEEDS:
        if instead:
            _check(jl, seed, instead, numpy)


def test_a_raising_call_is_a_value_error_through_the_bridge(jl):
    jl.eval("rng_idiom_float32(seed) = rand(NumpyRandom.RandomState(seed), Float32)")
    with pytest.raises(JuliaArgumentError, match="no numpy twin"):
        jl.call("rng_idiom_float32", 0)
