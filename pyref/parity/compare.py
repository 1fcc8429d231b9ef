"""Comparing the two languages' outputs: the numerics of the harness.

:func:`compare_output` measures one output pair (absolute, scale-relative and ULP
distances, the first differing index) and judges it under its tier
(:mod:`pyref.parity.tiers`); :func:`compare_outputs` does it for every output of a
scenario; :class:`ScenarioResult` holds one scenario's verdict. numpy only: no
Julia here (the runner, :mod:`pyref.parity.runner`, produces the outputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyref.parity.scenario import Scenario
from pyref.parity.tiers import EXACT, Tier


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
    divergence_ulps: list[float] | None = None
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
        """As JSON; a tier's settings only where they apply (rtol and atol to ``close``,
        bound to ``trajectory``), null otherwise."""
        close_tier = self.tier.kind == "close"
        return {
            "scenario": self.scenario,
            "output": self.output,
            "tier": self.tier.kind,
            "tier_rtol": self.tier.rtol if close_tier else None,
            "tier_atol": self.tier.atol if close_tier else None,
            "tier_bound": self.tier.bound if self.tier.kind == "trajectory" else None,
            "passed": self.passed,
            "max_abs": self.max_abs,
            "max_rel": self.max_rel,
            "max_ulps": self.max_ulps,
            "first_diff": list(self.first_diff) if self.first_diff is not None else None,
            "python_value": self.python_value,
            "julia_value": self.julia_value,
            "divergence": self.divergence,
            "divergence_ulps": self.divergence_ulps,
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
    """Nested result dicts become 'a/b/c' keys, so experiment results compare leaf by
    leaf; a list of dicts (such as a search's trials) is numbered: 'trials/0/lr'."""
    flat: dict[str, Any] = {}
    for key, value in outputs.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_outputs(value, name + "/"))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            flat.update(flatten_outputs({str(i): v for i, v in enumerate(value)}, name + "/"))
        else:
            flat[name] = value
    return flat


def compare_output(
    scenario: str, output: str, tier: Tier, py: Any, jl: Any, *, per_step: bool = False
) -> Comparison:
    """Compare one output under ``tier``; shapes and dtype kinds must agree first.
    The divergence per step (first axis) is recorded for ``trajectory`` tiers, and
    for any tier with ``per_step`` (a training output compared exact)."""
    a, b = _as_array(py), _as_array(jl)
    base = {"scenario": scenario, "output": output, "tier": tier}
    if a.shape != b.shape:
        return Comparison(
            **base,
            passed=False,
            max_abs=math.inf,
            max_rel=math.inf,
            max_ulps=math.inf,
            note=f"shapes differ: python {a.shape}, julia {b.shape}",
        )
    if a.dtype.kind in "US" or b.dtype.kind in "US":
        same = bool(np.array_equal(a, b))
        return Comparison(
            **base,
            passed=same,
            max_abs=0.0 if same else math.inf,
            max_rel=0.0 if same else math.inf,
            max_ulps=0.0,
            note="" if same else f"python {a!r} != julia {b!r}",
        )
    fa = a.astype(np.float64)
    fb = b.astype(np.float64)
    if a.size == 0:
        return Comparison(**base, passed=True, max_abs=0.0, max_rel=0.0, max_ulps=0.0)
    if (a.dtype.kind in "iub") != (b.dtype.kind in "iub"):
        # Counts, indices and masks are integers on both sides, measurements floats:
        # a port that returns one as the other has changed what the output means,
        # even where the values coincide.
        return Comparison(
            **base,
            passed=False,
            max_abs=math.inf,
            max_rel=math.inf,
            max_ulps=math.inf,
            note=f"dtypes differ: python {a.dtype}, julia "
            f"{b.dtype} (integer against floating point)",
        )
    both_nan = np.isnan(fa) & np.isnan(fb)
    with np.errstate(invalid="ignore", over="ignore"):
        absdiff = np.where(both_nan, 0.0, np.abs(fa - fb))
        absdiff = np.where(np.isinf(fa) & (fa == fb), 0.0, absdiff)
    absdiff = np.where(np.isnan(absdiff), np.inf, absdiff)
    magnitudes = np.abs(np.concatenate([fa.ravel(), fb.ravel()]))
    finite = magnitudes[np.isfinite(magnitudes)]
    scale = float(finite.max()) if finite.size else 0.0
    max_abs = float(absdiff.max())
    max_rel = 0.0 if max_abs == 0 else (max_abs / scale if scale > 0 else math.inf)
    oa, ob = _ordered_int(fa.ravel()), _ordered_int(fb.ravel())
    ulps = np.abs(oa - ob).astype(float).reshape(fa.shape)
    ulps = np.where(both_nan, 0.0, ulps)
    ulps = np.where(np.isnan(fa) != np.isnan(fb), math.inf, ulps)  # NaN against a number
    bits_equal = (fa.view(np.uint64) == fb.view(np.uint64)) | both_nan
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        bits_equal = a.astype(np.int64) == b.astype(np.int64)
    if tier.kind == "exact":
        bad = ~bits_equal
    elif tier.kind == "close":
        bad = absdiff > tier.atol + tier.rtol * scale
    else:
        bad = absdiff > tier.bound
    passed = not bad.any()
    comp = Comparison(
        **base, passed=passed, max_abs=max_abs, max_rel=max_rel, max_ulps=float(ulps.max())
    )
    if (tier.kind == "trajectory" or per_step) and fa.ndim >= 1:
        div = absdiff.reshape(fa.shape[0], -1).max(axis=1)
        comp.divergence = [float(v) for v in div]
        comp.divergence_ulps = [float(v) for v in ulps.reshape(fa.shape[0], -1).max(axis=1)]
    mismatch = ~bits_equal if passed else bad
    if mismatch.any():
        idx = tuple(int(i) for i in np.argwhere(mismatch)[0])
        comp.first_diff = idx
        comp.python_value = float(fa[idx])
        comp.julia_value = float(fb[idx])
    return comp


def compare_outputs(
    scenario: Scenario, py: dict[str, Any], jl: dict[str, Any], *, strict: bool = False
) -> list[Comparison]:
    """Compare every output the Python side produced; a missing Julia output fails.

    ``strict`` (numpy's BLAS on both sides) compares every output ``exact``, whatever
    tier the scenario declares for Julia's own BLAS."""
    py_flat, jl_flat = flatten_outputs(py), flatten_outputs(jl)
    results = []
    for name, value in py_flat.items():
        declared = scenario.tier(name)
        tier = EXACT if strict else declared
        if name not in jl_flat:
            results.append(_missing(scenario.name, name, tier, "Julia"))
            continue
        per_step = declared.kind == "trajectory"
        results.append(
            compare_output(scenario.name, name, tier, value, jl_flat[name], per_step=per_step)
        )
    for name in jl_flat.keys() - py_flat.keys():
        tier = EXACT if strict else scenario.tier(name)
        results.append(_missing(scenario.name, name, tier, "Python"))
    return results


def _missing(scenario: str, output: str, tier: Tier, side: str) -> Comparison:
    """The failed verdict for an output that only one side returned."""
    inf = math.inf
    note = f"the {side} side returned no such output"
    return Comparison(scenario, output, tier, False, inf, inf, inf, note=note)


@dataclass
class ScenarioResult:
    """One scenario's verdict: its comparisons, timings, or the error that stopped it."""

    scenario: Scenario
    comparisons: list[Comparison]
    python_seconds: float = 0.0
    julia_seconds: float = 0.0
    error: str | None = None
    blas: str = ""

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.comparisons)

    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.passed]

    def message(self) -> str:
        """Why the scenario failed, one line per failing output (empty when it passed)."""
        if self.error is not None:
            return f"{self.scenario.name}: {self.error}"
        return "\n".join(c.message() for c in self.failures())

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "section": self.scenario.section,
            "description": self.scenario.description,
            "julia": self.scenario.julia,
            "blas": self.blas,
            "passed": self.passed,
            "error": self.error,
            "python_seconds": round(self.python_seconds, 4),
            "julia_seconds": round(self.julia_seconds, 4),
            "outputs": [c.to_dict() for c in self.comparisons],
        }
