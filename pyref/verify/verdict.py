"""Whether a port's difference from the book is only rounding or a different formula.

:func:`judge` compares the book's outputs with the port's, step by step, and gives
one of four verdicts:

- ``exact``: every bit of every output of every step equal;
- ``rounding``: the first difference is within :data:`ROUNDING_FIRST` units of
  float64's epsilon times the output's scale, and every difference over all steps
  stays within :data:`ROUNDING_TRAIL` of its output's scale: the same formula
  computed in another order;
- ``formula``: any larger difference, a NaN or an infinity on one side only, or a
  shape that differs: a different computation;
- ``error``: the port threw (decided by the runner, not here).

Notes:
    The scale of an output at a step is the largest magnitude of the book's value
    (the port's when the book's is all zeros). Reordering one expression of n
    floating-point operations changes its result by at most about n * eps relative
    to the magnitudes involved; the book's components chain a few tens of operations
    per element and step, and their sums run over a few dozen terms here, so a
    reordering shows as a few to a few tens of eps: 64 eps leaves room for that
    and no more. A wrong formula changes a value by a fraction of itself: a
    momentum that skips its velocity, a variance over n - 1 instead of n (1/n, a
    few percent here), a missing term. Rounding differences also grow with the
    steps as they feed back (an optimizer's state, a net's parameters); over the
    few tens of steps a check runs they stay many orders of magnitude under
    1e-9 of the scale, while a wrong formula's differences are 1e-3 or more.
    docs/verify.md shows both kinds on constructed ports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyref.parity.compare import comparable_ulps, describe_values

EPS = float(np.finfo(np.float64).eps)
#: The first difference of a rounding verdict: at most this many eps times the scale.
ROUNDING_FIRST = 64
#: Every difference of a rounding verdict, over all steps: at most this times the scale.
ROUNDING_TRAIL = 1e-9

#: What a rounding verdict says commonly causes it (docs/porting.md has the table).
ROUNDING_CAUSES = (
    "a sum in another order (numpy's np.sum is pairwise: PyRef.np_sum; x.sum(axis=0) "
    "adds rows in order: PyRef.sum_rows), a product regrouped (((1-d)*g)*g against "
    "(1-d)*g^2), a power for a product (x^2 against x*x), exp/log/tanh from another "
    "library (PyRef.np_exp, np_log, np_tanh), a matrix product from another BLAS "
    "(PyRef.np_dot); see docs/porting.md"
)


@dataclass
class Difference:
    """Where two outputs first differ: step, output, index (numpy's, 0-based), values."""

    step: int
    output: str
    index: tuple[int, ...] | None
    python: Any
    julia: Any
    kind: str = "value"

    def where(self) -> str:
        """``W1[0, 1] (Julia W1[1, 2])`` or just the output's name for a number."""
        if not self.index:
            return self.output
        np_idx = ", ".join(str(i) for i in self.index)
        jl_idx = ", ".join(str(i + 1) for i in self.index)
        return f"{self.output}[{np_idx}] (Julia {self.output}[{jl_idx}])"

    def describe(self) -> str:
        """The two values and how they differ: ULPs, or sign, NaN, infinity, shape."""
        if self.kind == "shape":
            return f"shapes differ: python {self.python}, julia {self.julia}"
        if self.kind == "type":
            return f"the port returned {self.julia}, not a numeric array"
        if self.kind == "missing":
            return "the port returned no such output"
        return describe_values(self.python, self.julia)

    def ulps(self) -> float | None:
        """ULPs between the values, or None where ULPs mean nothing (sign, NaN, inf, shape)."""
        if self.kind != "value":
            return None
        return comparable_ulps(self.python, self.julia)


@dataclass
class Verdict:
    """A check's verdict and its evidence.

    ``step_errors[s]`` is the largest difference at step ``s`` relative to its
    output's scale (0 where equal, inf where a NaN, infinity or shape differs);
    ``beyond_step`` the first step whose difference is larger than rounding.
    """

    verdict: str
    first: Difference | None = None
    step_errors: list[float] = field(default_factory=list)
    beyond_step: int | None = None
    error: dict[str, Any] | None = None

    @property
    def max_error(self) -> float:
        return max(self.step_errors, default=0.0)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    """The largest |a - b| relative to the scale; inf for a NaN or infinity on one side."""
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if (nan_a != nan_b).any():
        return math.inf
    both = ~(nan_a | nan_b)
    a, b = a[both], b[both]
    inf_a, inf_b = np.isinf(a), np.isinf(b)
    if (inf_a != inf_b).any() or (a[inf_a] != b[inf_a]).any():
        return math.inf
    a, b = a[~inf_a], b[~inf_a]
    if a.size == 0:
        return 0.0
    diff = float(np.max(np.abs(a - b)))
    if diff == 0:
        return 0.0
    scale = float(np.max(np.abs(a))) or float(np.max(np.abs(b)))
    return diff / scale if scale > 0 else math.inf


def _first_difference(step: int, name: str, a: np.ndarray, b: np.ndarray) -> Difference | None:
    same = (a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))
    if same.all():
        return None
    idx = tuple(int(i) for i in np.argwhere(~same)[0]) if a.ndim else ()
    return Difference(step, name, idx, float(a[idx]), float(b[idx]))


def _numeric(value: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if arr.dtype.kind not in "fiub":
        return None
    return np.array(arr, dtype=np.float64, order="C")


def judge(reference: list[dict[str, Any]], port: list[dict[str, Any]]) -> Verdict:
    """Compare the book's outputs with the port's and give the verdict.

    Args:
        reference: the book's outputs, one dict (output name -> number or array) per step.
        port: the port's outputs in the same form (arrays indexed as numpy's).

    Returns:
        The :class:`Verdict`: ``exact``, ``rounding`` or ``formula``, the first
        difference and the relative error of every step.
    """
    first: Difference | None = None
    errors: list[float] = []
    for step, (ref, got) in enumerate(zip(reference, port)):
        worst = 0.0
        for name, value in ref.items():
            a = _numeric(value)
            if name not in got:
                diff, rel = Difference(step, name, None, None, None, "missing"), math.inf
            else:
                b = _numeric(got[name])
                if b is None:
                    diff = Difference(step, name, None, None, type(got[name]).__name__, "type")
                    rel = math.inf
                elif a.shape != b.shape:
                    diff = Difference(step, name, None, a.shape, b.shape, "shape")
                    rel = math.inf
                else:
                    diff, rel = _first_difference(step, name, a, b), _relative(a, b)
            if diff is not None and first is None:
                first = diff
            worst = max(worst, rel)
        errors.append(worst)
    if first is None:
        return Verdict("exact", step_errors=errors)
    bound = ROUNDING_FIRST * EPS
    beyond = next((s for s, e in enumerate(errors) if e > bound), None)
    rounding = errors[first.step] <= bound and max(errors) <= ROUNDING_TRAIL
    return Verdict("rounding" if rounding else "formula", first, errors, beyond)
