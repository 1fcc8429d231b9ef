"""Comparing the two languages' outputs: the numerics of the harness.

:func:`compare_output` measures one output pair (absolute, scale-relative and ULP
distances, the first differing index) and judges it under its tier
(:mod:`pyref.parity.tiers`); :func:`compare_outputs` does it for every output of a
scenario; :class:`ScenarioResult` holds one scenario's verdict. numpy only: no
Julia here (the runner, :mod:`pyref.parity.runner`, produces the outputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyref.parity.frames import shown_frame
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
    step_axis: int | None = None
    special: dict[str, int] = field(default_factory=dict)
    comparable_ulps: float = 0.0
    entries: int = 0
    integers: bool = False

    @property
    def first_step(self) -> int | None:
        """The step of the first difference, when the output has a declared step axis."""
        if self.first_diff is None or self.step_axis is None:
            return None
        return self.first_diff[self.step_axis] if self.step_axis < len(self.first_diff) else None

    def where(self) -> str:
        """``first differs at index (1, 0, 0)``, or with a step axis ``first differs at
        step 1, index (0, 0)`` (empty when no index differs)."""
        if self.first_diff is None:
            return ""
        step = self.first_step
        if step is None:
            return f"first differs at index {self.first_diff}"
        rest = self.first_diff[: self.step_axis] + self.first_diff[self.step_axis + 1 :]
        return f"first differs at step {step}" + (f", index {rest}" if rest else "")

    def ulps_cell(self) -> str:
        """The ``max ULPs`` table cell: the number, or what ULPs cannot measure
        (``NaN``, ``inf``, ``sign``, ...) where such a difference occurs; ``-`` for
        integers (counts, indices) that differ, which ULPs do not measure either."""
        if self.integers and self.max_ulps:
            return "-"
        for kind in SPECIAL_KINDS:
            if kind in self.special:
                return SPECIAL_KINDS[kind][0]
        return f"{self.max_ulps:g}"

    def message(self) -> str:
        """The mismatch report: scenario, output, first differing index (and step),
        both values and how they differ (ULPs, or sign, NaN, infinity)."""
        if self.passed:
            return f"{self.scenario}/{self.output}: ok ({self.tier.describe()})"
        where = self.where()
        where = f" {where}:" if where else ""
        vals = ""
        if self.python_value is not None:
            if self.integers:
                vals = f" python={int(self.python_value)} julia={int(self.julia_value)}"
            else:
                vals = " " + describe_values(self.python_value, self.julia_value)
        measures = f" max abs {self.max_abs:.3g}, max rel {self.max_rel:.3g}"
        if self.special:
            counts = ", ".join(
                f"{SPECIAL_KINDS[kind][1]} at {n} of {self.entries} entries"
                for kind, n in self.special.items()
            )
            measures += f"; {counts}"
            if self.comparable_ulps:
                measures += f"; max ULPs {self.comparable_ulps:g} elsewhere"
        elif not self.integers:
            measures += f", max ULPs {self.max_ulps:g}"
        return f"{self.scenario}/{self.output} [{self.tier.describe()}]:{where}{vals}{measures}" + (
            f"; {self.note}" if self.note else ""
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
            "first_diff_step": self.first_step,
            "step_axis": self.step_axis,
            "special": dict(self.special),
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


#: Beyond this many ULPs a difference is described as a fraction of the value instead.
LARGE_ULPS = 2**20

#: Differences a count of ULPs does not measure: kind -> (table cell, words), the
#: most telling first (a table cell names the first that occurs).
SPECIAL_KINDS: dict[str, tuple[str, str]] = {
    "nan": ("NaN", "NaN on one side"),
    "inf": ("inf", "infinite on one side"),
    "inf_sign": ("±inf", "infinities of opposite sign"),
    "sign": ("sign", "sign differs"),
    "zero_sign": ("±0", "the sign of zero differs"),
    "zero": ("zero", "zero on one side"),
}


def difference_kind(py: float, jl: float) -> str | None:
    """How two float64 values that differ differ, when ULPs do not measure it: a key
    of :data:`SPECIAL_KINDS` (NaN or infinity on one side, opposite signs, zero on
    one side); None when a count of ULPs does (or when both are NaN)."""
    py, jl = float(py), float(jl)
    if math.isnan(py) or math.isnan(jl):
        return None if math.isnan(py) and math.isnan(jl) else "nan"
    if math.isinf(py) != math.isinf(jl):
        return "inf"
    if math.isinf(py):
        return "inf_sign" if py != jl else None
    if py == 0 and jl == 0:
        return "zero_sign" if math.copysign(1, py) != math.copysign(1, jl) else None
    if py == 0 or jl == 0:
        return "zero"
    return "sign" if (py < 0) != (jl < 0) else None


def comparable_ulps(py: float, jl: float) -> float | None:
    """ULPs between ``py`` and ``jl``, or None where ULPs mean nothing (a NaN or an
    infinity on one side, opposite signs, zero on one side)."""
    return None if difference_kind(py, jl) is not None else ulp_distance(py, jl)


def _shown_value(x: float) -> str:
    return "NaN" if math.isnan(x) else ("Inf" if x > 0 else "-Inf") if math.isinf(x) else repr(x)


def describe_values(py: float, jl: float) -> str:
    """The two values of a difference and how they differ, in words where ULPs do not
    measure it: ``python=1.0 julia=NaN (NaN on the Julia side only)``, ``(sign
    differs)``, ``(zero on one side)``, else ``(3 ULPs)``, or the difference as a
    fraction of the value beyond :data:`LARGE_ULPS`."""
    py, jl = float(py), float(jl)
    values = f"python={_shown_value(py)} julia={_shown_value(jl)}"
    kind = difference_kind(py, jl)
    if kind == "nan":
        return f"{values} (NaN on the {'Julia' if math.isnan(jl) else 'Python'} side only)"
    if kind == "inf":
        return f"{values} (infinite on the {'Julia' if math.isinf(jl) else 'Python'} side only)"
    if kind is not None:
        return f"{values} ({SPECIAL_KINDS[kind][1]})"
    ulps = ulp_distance(py, jl)
    if ulps > LARGE_ULPS:
        return f"{values} (differ by {abs(py - jl) / max(abs(py), abs(jl)):.2g} of the value)"
    return f"{values} ({ulps:g} ULPs)"


def _special_counts(fa: np.ndarray, fb: np.ndarray, differ: np.ndarray) -> dict[str, int]:
    """How many of the entries that ``differ`` differ in a way ULPs do not measure,
    by kind (:func:`difference_kind`, element by element)."""
    nan_a, nan_b = np.isnan(fa), np.isnan(fb)
    inf_a, inf_b = np.isinf(fa), np.isinf(fb)
    finite = np.isfinite(fa) & np.isfinite(fb)
    zero_a, zero_b = fa == 0, fb == 0
    signs = np.signbit(fa) != np.signbit(fb)
    with np.errstate(invalid="ignore"):
        masks = {
            "nan": nan_a != nan_b,
            "inf": ~(nan_a | nan_b) & (inf_a != inf_b),
            "inf_sign": inf_a & inf_b & signs,
            "sign": finite & ~zero_a & ~zero_b & signs,
            "zero_sign": zero_a & zero_b & signs,
            "zero": finite & (zero_a != zero_b),
        }
    counts = {kind: int((mask & differ).sum()) for kind, mask in masks.items()}
    return {kind: n for kind, n in counts.items() if n}


def _special_mask(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Where ULPs do not measure the difference between ``fa`` and ``fb``."""
    with np.errstate(invalid="ignore"):
        nan = np.isnan(fa) != np.isnan(fb)
        inf = np.isinf(fa) | np.isinf(fb)
        zero = (fa == 0) | (fb == 0)
        return nan | inf | zero | (np.signbit(fa) != np.signbit(fb))


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
    scenario: str,
    output: str,
    tier: Tier,
    py: Any,
    jl: Any,
    *,
    per_step: bool = False,
    step_axis: int | None = None,
) -> Comparison:
    """Compare one output under ``tier``; shapes and dtype kinds must agree first.

    The divergence per step is recorded for ``trajectory`` tiers, and for any tier
    with ``per_step`` (a training output compared exact); the steps run along
    ``step_axis`` (default the first axis), which also makes the report name the
    first difference's step apart from its index. A ``step_axis`` the output does
    not have is ignored."""
    a, b = _as_array(py), _as_array(jl)
    if step_axis is not None and step_axis >= a.ndim:
        step_axis = None
    base = {"scenario": scenario, "output": output, "tier": tier, "step_axis": step_axis}
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
    integers = a.dtype.kind in "iub" and b.dtype.kind in "iub"
    special = {} if integers else _special_counts(fa, fb, ~bits_equal)
    plain = ulps if not special else np.where(_special_mask(fa, fb), 0.0, ulps)
    comp = Comparison(
        **base,
        passed=passed,
        max_abs=max_abs,
        max_rel=max_rel,
        max_ulps=float(ulps.max()),
        special=special,
        comparable_ulps=0.0 if integers else float(plain.max()),
        entries=int(a.size),
        integers=integers,
    )
    if (tier.kind == "trajectory" or per_step) and fa.ndim >= 1:
        axis = step_axis or 0
        steps = fa.shape[axis]
        div = np.moveaxis(absdiff, axis, 0).reshape(steps, -1).max(axis=1)
        comp.divergence = [float(v) for v in div]
        comp.divergence_ulps = [
            float(v) for v in np.moveaxis(ulps, axis, 0).reshape(steps, -1).max(axis=1)
        ]
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
            compare_output(
                scenario.name,
                name,
                tier,
                value,
                jl_flat[name],
                per_step=per_step,
                step_axis=scenario.step_axis_of(name),
            )
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
    frames: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.comparisons)

    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.passed]

    def message(self) -> str:
        """Why the scenario failed, one line per failing output (empty when it passed);
        an error with the stack frames of users' files it passed through, one per line
        (``  in f at my_port.jl:12``, innermost first)."""
        if self.error is not None:
            lines = [f"{self.scenario.name}: {self.error}"]
            lines += [f"  in {shown_frame(frame)}" for frame in self.frames]
            return "\n".join(lines)
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
            "frames": list(self.frames),
            "python_seconds": round(self.python_seconds, 4),
            "julia_seconds": round(self.julia_seconds, 4),
            "outputs": [c.to_dict() for c in self.comparisons],
        }
