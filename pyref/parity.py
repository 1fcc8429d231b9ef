"""The parity harness: run each scenario in Python (pyref) and in Julia (PyRef),
and compare their named outputs under the tolerance tier each output declares.

Tiers:

- ``exact``: bit-identical (random streams, initial weights, masks, split indices,
  sampled hyperparameters, elementwise updates, histogram counts ...).
- ``ulp``: relative difference at most ``rtol`` (default 1e-12): one pass through BLAS,
  whose last bits differ between numpy's OpenBLAS and Julia's.
- ``trajectory``: over training; the divergence per iteration is reported and its
  maximum must stay within the scenario's ``bound`` (``bound=0`` demands equality,
  as for accuracies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

TIER_KINDS = ("exact", "ulp", "trajectory")
DEFAULT_ULP_RTOL = 1e-12


@dataclass(frozen=True)
class Tier:
    """How closely one output must agree."""

    kind: str = "exact"
    rtol: float = DEFAULT_ULP_RTOL
    bound: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in TIER_KINDS:
            raise ValueError(f"tier kind must be one of {', '.join(TIER_KINDS)}, got {self.kind!r}")
        if not (self.rtol >= 0 and self.bound >= 0):
            raise ValueError("tier rtol and bound must be >= 0")

    def describe(self) -> str:
        if self.kind == "ulp":
            return f"ulp≤{self.rtol:g}"
        if self.kind == "trajectory":
            return f"traj≤{self.bound:g}"
        return "exact"


EXACT = Tier("exact")
ULP = Tier("ulp")


def trajectory(bound: float) -> Tier:
    """A training-trajectory tier whose maximum divergence must stay within ``bound``."""
    return Tier("trajectory", bound=bound)


@dataclass(frozen=True)
class Scenario:
    """A named, seeded computation with a Python side and a Julia side.

    ``python(**kwargs)`` and the Julia function ``julia`` (a qualified name, called
    through ``pyref.julia`` with the same keyword arguments) both return a dict of
    named outputs; ``tiers`` maps each output name to its tier (unlisted: exact).
    ``quick`` scenarios form ``pyref parity --quick``; ``section`` groups them by the
    book's section (6.1 ... 6.5) for the notebooks.
    """

    name: str
    python: Callable[..., dict[str, Any]]
    julia: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    tiers: dict[str, Tier] = field(default_factory=dict)
    section: str = ""
    quick: bool = True
    args: tuple[Any, ...] = ()

    def tier(self, output: str) -> Tier:
        return self.tiers.get(output, EXACT)


@dataclass
class Comparison:
    """The verdict for one output of one scenario."""

    scenario: str
    output: str
    tier: Tier
    passed: bool
    max_abs: float
    max_rel: float
    max_ulps: float
    first_diff: tuple[int, ...] | None = None
    python_value: float | None = None
    julia_value: float | None = None
    divergence: list[float] | None = None
    note: str = ""

    def message(self) -> str:
        """The mismatch report: scenario, output, first differing index, both values, ULPs."""
        if self.passed:
            return f"{self.scenario}/{self.output}: ok ({self.tier.describe()})"
        where = "" if self.first_diff is None else f" first differs at index {self.first_diff}:"
        vals = ""
        if self.python_value is not None:
            vals = (
                f" python={self.python_value!r} julia={self.julia_value!r}"
                f" ({ulp_distance(self.python_value, self.julia_value):g} ULPs)"
            )
        return (
            f"{self.scenario}/{self.output} [{self.tier.describe()}]:{where}{vals}"
            f" max abs {self.max_abs:.3g}, max rel {self.max_rel:.3g}, max ULPs {self.max_ulps:g}"
            + (f"; {self.note}" if self.note else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "output": self.output,
            "tier": self.tier.kind,
            "tier_rtol": self.tier.rtol,
            "tier_bound": self.tier.bound,
            "passed": self.passed,
            "max_abs": self.max_abs,
            "max_rel": self.max_rel,
            "max_ulps": self.max_ulps,
            "first_diff": list(self.first_diff) if self.first_diff is not None else None,
            "python_value": self.python_value,
            "julia_value": self.julia_value,
            "divergence": self.divergence,
            "note": self.note,
        }


def _ordered_int(x: np.ndarray) -> np.ndarray:
    """Map float64 bit patterns to integers whose order is the floats' order."""
    i = np.ascontiguousarray(x, dtype=np.float64).view(np.int64).astype(object)
    return np.where(i < 0, -(2**63) - i, i)


def ulp_distance(a: float, b: float) -> float:
    """How many representable float64 values lie between ``a`` and ``b`` (inf for NaN vs number)."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return 0.0 if (math.isnan(a) and math.isnan(b)) else math.inf
    ia, ib = _ordered_int(np.array([a, b]))
    return float(abs(int(ia) - int(ib)))


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, dict):
        raise TypeError("nested dicts must be flattened before comparison")
    arr = np.asarray(value)
    if arr.dtype == object:
        arr = np.asarray(value, dtype=float)
    return arr


def flatten_outputs(outputs: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested result dicts become 'a/b/c' keys, so experiment results compare leaf by leaf."""
    flat: dict[str, Any] = {}
    for key, value in outputs.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_outputs(value, name + "/"))
        else:
            flat[name] = value
    return flat


def compare_output(scenario: str, output: str, tier: Tier, py: Any, jl: Any) -> Comparison:
    """Compare one output under ``tier``; shapes and dtype kinds must agree first."""
    a, b = _as_array(py), _as_array(jl)
    base = {"scenario": scenario, "output": output, "tier": tier}
    if a.shape != b.shape:
        return Comparison(**base, passed=False, max_abs=math.inf, max_rel=math.inf,
                          max_ulps=math.inf, note=f"shapes differ: python {a.shape}, julia {b.shape}")  # fmt: skip
    if a.dtype.kind in "US" or b.dtype.kind in "US":
        same = bool(np.array_equal(a, b))
        return Comparison(**base, passed=same, max_abs=0.0 if same else math.inf,
                          max_rel=0.0 if same else math.inf, max_ulps=0.0,
                          note="" if same else f"python {a!r} != julia {b!r}")  # fmt: skip
    fa = a.astype(np.float64)
    fb = b.astype(np.float64)
    if a.size == 0:
        return Comparison(**base, passed=True, max_abs=0.0, max_rel=0.0, max_ulps=0.0)
    both_nan = np.isnan(fa) & np.isnan(fb)
    with np.errstate(invalid="ignore", over="ignore"):
        absdiff = np.where(both_nan, 0.0, np.abs(fa - fb))
        absdiff = np.where(np.isinf(fa) & (fa == fb), 0.0, absdiff)
        scale = np.maximum(np.abs(fa), np.abs(fb))
        rel = np.where(absdiff == 0, 0.0, absdiff / np.where(scale == 0, 1.0, scale))
    absdiff = np.where(np.isnan(absdiff), np.inf, absdiff)
    rel = np.where(np.isnan(rel), np.inf, rel)
    oa, ob = _ordered_int(fa.ravel()), _ordered_int(fb.ravel())
    ulps = np.abs(oa - ob).astype(float).reshape(fa.shape)
    ulps = np.where(both_nan, 0.0, ulps)
    bits_equal = (fa.view(np.uint64) == fb.view(np.uint64)) | both_nan
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        bits_equal = a.astype(np.int64) == b.astype(np.int64)
    if tier.kind == "exact":
        passed = bool(bits_equal.all())
        bad = ~bits_equal
    elif tier.kind == "ulp":
        bad = rel > tier.rtol
        passed = not bad.any()
    else:
        bad = absdiff > tier.bound
        passed = not bad.any()
    comp = Comparison(**base, passed=passed, max_abs=float(absdiff.max()),
                      max_rel=float(rel.max()), max_ulps=float(ulps.max()))  # fmt: skip
    if tier.kind == "trajectory" and fa.ndim >= 1:
        div = absdiff.reshape(fa.shape[0], -1).max(axis=1)
        comp.divergence = [float(v) for v in div]
    mismatch = ~bits_equal if passed else bad
    if mismatch.any():
        idx = tuple(int(i) for i in np.argwhere(mismatch)[0])
        comp.first_diff = idx
        comp.python_value = float(fa[idx])
        comp.julia_value = float(fb[idx])
    return comp


def compare_outputs(scenario: Scenario, py: dict[str, Any], jl: dict[str, Any]) -> list[Comparison]:
    """Compare every output the Python side produced; a missing Julia output fails."""
    py_flat, jl_flat = flatten_outputs(py), flatten_outputs(jl)
    results = []
    for name, value in py_flat.items():
        tier = _tier_for(scenario, name)
        if name not in jl_flat:
            results.append(Comparison(scenario.name, name, tier, False, math.inf, math.inf,
                                      math.inf, note="the Julia side returned no such output"))  # fmt: skip
            continue
        results.append(compare_output(scenario.name, name, tier, value, jl_flat[name]))
    for name in jl_flat.keys() - py_flat.keys():
        results.append(Comparison(scenario.name, name, _tier_for(scenario, name), False,
                                  math.inf, math.inf, math.inf,
                                  note="the Python side returned no such output"))  # fmt: skip
    return results


def _tier_for(scenario: Scenario, name: str) -> Tier:
    """The tier of a flattened output: its own, else its closest declared parent's."""
    parts = name.split("/")
    for k in range(len(parts), 0, -1):
        key = "/".join(parts[:k])
        if key in scenario.tiers:
            return scenario.tiers[key]
    # A declared leaf name applies at any depth (e.g. 'train_acc' inside variants).
    return scenario.tiers.get(parts[-1], EXACT)
