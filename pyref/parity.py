"""The parity harness: run each scenario in Python (pyref) and in Julia (PyRef),
and compare their named outputs under the tolerance tier each output declares.

In ``numpy`` BLAS mode (the default wherever numpy runs on OpenBLAS) PyRef's
matrix products go through numpy's own OpenBLAS with numpy's call, so every output
of every scenario is compared ``exact``. In ``native`` mode (Julia's own BLAS) each
output is compared under the tier it declares:

- ``exact``: bit-identical (random streams, initial weights, masks, split indices,
  sampled hyperparameters, elementwise updates, histogram counts ...).
- ``ulp``: relative difference at most ``rtol`` (default 1e-12) of the output's scale
  (its largest magnitude): one pass through BLAS, whose last bits differ between
  numpy's OpenBLAS and Julia's.
- ``trajectory``: over training; the divergence per iteration is reported and its
  maximum must stay within the scenario's ``bound`` (``bound=0`` demands equality,
  as for accuracies).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

# The model, re-exported (pyref.parity is the public API of the harness).
from pyref.scenario_model import DEFAULT_ULP_RTOL as DEFAULT_ULP_RTOL
from pyref.scenario_model import EXACT as EXACT
from pyref.scenario_model import TIER_KINDS as TIER_KINDS
from pyref.scenario_model import ULP as ULP
from pyref.scenario_model import Scenario as Scenario
from pyref.scenario_model import Tier as Tier
from pyref.scenario_model import _tier_for
from pyref.scenario_model import trajectory as trajectory
from pyref.scenario_model import ulp as ulp

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
        """As JSON; a tier's settings only where they apply (rtol and atol to ``ulp``,
        bound to ``trajectory``), null otherwise."""
        ulp_tier = self.tier.kind == "ulp"
        return {
            "scenario": self.scenario,
            "output": self.output,
            "tier": self.tier.kind,
            "tier_rtol": self.tier.rtol if ulp_tier else None,
            "tier_atol": self.tier.atol if ulp_tier else None,
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
    if (a.dtype.kind in "iub") != (b.dtype.kind in "iub"):
        # Counts, indices and masks are integers on both sides, measurements floats:
        # a port that returns one as the other has changed what the output means,
        # even where the values coincide.
        return Comparison(**base, passed=False, max_abs=math.inf, max_rel=math.inf,
                          max_ulps=math.inf, note=f"dtypes differ: python {a.dtype}, julia "
                          f"{b.dtype} (integer against floating point)")  # fmt: skip
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
    elif tier.kind == "ulp":
        bad = absdiff > tier.atol + tier.rtol * scale
    else:
        bad = absdiff > tier.bound
    passed = not bad.any()
    comp = Comparison(**base, passed=passed, max_abs=max_abs, max_rel=max_rel,
                      max_ulps=float(ulps.max()))  # fmt: skip
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
        tier = EXACT if strict else _tier_for(scenario, name)
        if name not in jl_flat:
            results.append(Comparison(scenario.name, name, tier, False, math.inf, math.inf,
                                      math.inf, note="the Julia side returned no such output"))  # fmt: skip
            continue
        declared = _tier_for(scenario, name)
        results.append(compare_output(scenario.name, name, tier, value, jl_flat[name],
                                      per_step=declared.kind == "trajectory"))  # fmt: skip
    for name in jl_flat.keys() - py_flat.keys():
        tier = EXACT if strict else _tier_for(scenario, name)
        results.append(Comparison(scenario.name, name, tier, False,
                                  math.inf, math.inf, math.inf,
                                  note="the Python side returned no such output"))  # fmt: skip
    return results


# ---------------------------------------------------------------------------
# The suite: built-in scenarios plus those registered by users
# ---------------------------------------------------------------------------

_REGISTERED: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    """Add ``scenario`` to the suite ``pyref parity`` runs (for ports of other chapters).

    Returns it, so it can be used as ``SC = register(Scenario(...))``. A name that is
    already taken raises ValueError, unless it is the same scenario again.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a pyref.parity.Scenario, not {type(scenario).__name__}")
    existing = all_scenarios().get(scenario.name)
    if existing is not None and existing != scenario:
        raise ValueError(f"a scenario named {scenario.name!r} exists already")
    _REGISTERED[scenario.name] = scenario
    return scenario


def load_scenarios(source: str) -> None:
    """Import a Python file (``path.py``) or module (``package.module``) whose import
    registers scenarios with :func:`register`."""
    import importlib
    import importlib.util

    if source.endswith(".py") or os.sep in source:
        path = Path(source).resolve()
        if not path.is_file():
            raise ValueError(f"--load: no Python file at {path}")
        spec = importlib.util.spec_from_file_location(f"pyref_user_scenarios_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"--load: cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as err:  # a syntax error, or an exception its code raised
            raise ScenarioLoadError(f"--load {path}: {_describe_error(err, str(path))}") from err
    else:
        try:
            importlib.import_module(source)
        except Exception as err:
            raise ScenarioLoadError(f"--load {source}: {_describe_error(err)}") from err


class ScenarioLoadError(ValueError):
    """A scenario file or module could not be loaded; the message is one line."""


def _describe_error(err: BaseException, filename: str | None = None) -> str:
    """``err`` in one line, with the line of ``filename`` where it happened."""
    import traceback

    where = ""
    if isinstance(err, SyntaxError) and err.lineno:
        where = f"line {err.lineno}: "
    elif filename is not None:
        lines = [
            f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename == filename
        ]
        where = f"line {lines[-1]}: " if lines else ""
    text = str(err.msg if isinstance(err, SyntaxError) else err).strip().splitlines()
    return f"{where}{type(err).__name__}" + (f": {text[0]}" if text else "")


def all_scenarios() -> dict[str, Scenario]:
    """Every scenario by name: pyref's own (pyref.scenarios), then registered ones."""
    from pyref.scenarios import SCENARIOS

    return {**SCENARIOS, **_REGISTERED}


def select(names: Sequence[str] | None = None, *, quick: bool = False,
           section: str | None = None, full: bool = False) -> list[Scenario]:  # fmt: skip
    """Scenarios by name (all when ``names`` is empty; the full-length ones only with
    ``full``), the quick ones with ``quick``, one section's with ``section``. Unknown
    names raise ValueError listing the known."""
    known = all_scenarios()
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}")
        chosen = [known[n] for n in dict.fromkeys(names)]
    else:
        chosen = [sc for sc in known.values() if full or not sc.full]
    if quick and not names:
        chosen = [sc for sc in chosen if sc.quick]
    if section is not None:
        chosen = [sc for sc in chosen if sc.section == section]
    return chosen


# ---------------------------------------------------------------------------
# Running scenarios through a Julia session
# ---------------------------------------------------------------------------


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


def use_blas(session: Any, mode: str | None = None) -> dict[str, Any]:
    """PyRef's matrix products in ``session`` switched to ``mode`` (see
    :meth:`pyref.runtime.interface.JuliaSession.use_blas`)."""
    return session.use_blas(mode)


def run_scenario(scenario: Scenario, session: Any, *, strict: bool | None = None) -> ScenarioResult:
    """Run both sides of ``scenario`` and compare them; a Julia error is a failure
    with its message, not an exception (a broken bridge still raises).

    ``strict`` compares every output ``exact`` (numpy's BLAS on both sides); None
    asks the session which BLAS it runs."""
    from pyref.runtime.session import JuliaBridgeError, JuliaError

    if strict is None:
        strict = use_blas(session).get("mode") == "numpy"
    blas = "numpy" if strict else "native"
    # A scenario's own mistakes (a missing or broken .jl file, an exception on the
    # Python side) are its ERROR row, as Julia's errors are; a broken bridge raises.
    try:
        for path in scenario.julia_files:
            _include_once(session, path)
    except JuliaBridgeError:
        raise
    except Exception as err:
        return ScenarioResult(scenario, [], error=f"julia_files: {_one_line(err)}", blas=blas)
    started = time.perf_counter()
    try:
        kwargs = scenario.arguments()
        py = scenario.python(**kwargs)
    except JuliaBridgeError:
        raise
    except Exception as err:
        return ScenarioResult(scenario, [], time.perf_counter() - started,
                              error=f"the Python side raised {_describe_error(err)}", blas=blas)  # fmt: skip
    python_seconds = time.perf_counter() - started
    started = time.perf_counter()
    try:
        jl = session.call(scenario.julia, **kwargs)
    except JuliaBridgeError:
        raise
    except JuliaError as err:
        return ScenarioResult(scenario, [], python_seconds, time.perf_counter() - started,
                              error=str(err), blas=blas)  # fmt: skip
    julia_seconds = time.perf_counter() - started
    if not isinstance(py, dict) or not isinstance(jl, dict):
        return ScenarioResult(scenario, [], python_seconds, julia_seconds,
                              error="both sides must return a dict of named outputs", blas=blas)  # fmt: skip
    return ScenarioResult(
        scenario,
        compare_outputs(scenario, py, jl, strict=strict),
        python_seconds,
        julia_seconds,
        blas=blas,
    )


def _one_line(err: BaseException, limit: int = 400) -> str:
    """An exception's message as one line: its lines joined (a Julia LoadError's second
    names the file and line), cut at ``limit`` characters."""
    text = "; ".join(ln.strip() for ln in str(err).strip().splitlines() if ln.strip())
    text = text or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _include_once(session: Any, path: str) -> None:
    loaded = session.__dict__.setdefault("_pyref_parity_included", set())
    resolved = str(Path(path).resolve())
    if resolved not in loaded:
        session.include(resolved)
        loaded.add(resolved)


def run_suite(
    scenarios: Sequence[Scenario], session: Any, *, progress: bool = False,
    blas: str | None = None,
) -> list[ScenarioResult]:  # fmt: skip
    """Every scenario in order, through one session; a tqdm bar with ``progress``.

    ``blas`` (``numpy`` or ``native``) switches the session's matrix products first
    (see :func:`use_blas`); in ``numpy`` mode every output is compared ``exact``."""
    strict = use_blas(session, blas).get("mode") == "numpy"
    items: Any = scenarios
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(scenarios, desc="parity", unit="scenario", leave=False)
        items = bar
    results = []
    for sc in items:
        if bar is not None:
            bar.set_postfix_str(sc.name)
        results.append(run_scenario(sc, session, strict=strict))
    return results


# ---------------------------------------------------------------------------
# Reports: a table, JSON, divergence plots
# ---------------------------------------------------------------------------


def environment_info(session: Any, matmul: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the results depend on: versions, bridge, math kernels, BLAS on each side.

    ``matmul`` is :func:`use_blas`'s answer (asked here when not given)."""
    import platform

    import pyref

    info: dict[str, Any] = {
        "pyref": pyref.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "bridge": getattr(session, "bridge", "?"),
        "julia": session.info.get("julia_version", "?"),
    }
    from pyref.runtime import mathmode

    try:
        mode = mathmode.numpy_math()
        info["numpy_math"] = f"exp/log/power {mode.math}, tanh {mode.tanh}"
    except mathmode.NumpyMathError as err:
        info["numpy_math"] = f"unknown ({err})"
    julia_mode = session.info.get("numpy_math")
    if isinstance(julia_mode, dict):
        info["julia_math"] = (
            f"exp/log/power {julia_mode.get('math')}, tanh {julia_mode.get('tanh')}"
        )
    from pyref.runtime import numpyblas

    try:
        nb = numpyblas.numpy_blas()
        info["numpy_blas"] = (f"OpenBLAS {nb.version}, {nb.core} kernels, "
                              f"{numpyblas.current_threads()} thread(s): {nb.path}")  # fmt: skip
    except numpyblas.NumpyBlasError as err:
        info["numpy_blas"] = str(err)
    if matmul is None:
        try:
            matmul = use_blas(session)
        except numpyblas.NumpyBlasError as err:
            matmul = {"mode": "error", "error": str(err)}
    if matmul.get("mode") == "numpy":
        info["julia_blas"] = (f"numpy's OpenBLAS (the same file), {matmul.get('core')} kernels, "
                              f"{matmul.get('threads')} thread(s): every output compared exact")  # fmt: skip
    elif matmul.get("mode") == "native":
        reason = matmul.get("reason") or ""
        info["julia_blas"] = (f"Julia's own ({matmul.get('library')}), {matmul.get('threads')} "
                              f"thread(s): outputs compared under their declared tiers"
                              + (f" [{reason}]" if reason and reason != "chosen" else ""))  # fmt: skip
    else:
        info["julia_blas"] = f"unusable: {matmul.get('error')}"
    return info


def format_info(info: dict[str, Any]) -> str:
    """One line per fact of :func:`environment_info`."""
    width = max(len(k) for k in info)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in info.items())


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if math.isinf(value):
        return "inf"
    return f"{value:.2e}"


def _columns(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    return lines


def format_table(results: Sequence[ScenarioResult], *, outputs: bool = True) -> str:
    """The report's table and summary; failures are detailed below it.

    ``outputs``: one row per (scenario, output) — tier, max abs and relative
    difference, max ULPs, pass/fail; otherwise one row per scenario — its section,
    how many outputs, their tiers, the largest ULP distance, pass/FAIL/ERROR."""
    if outputs:
        header: tuple[str, ...] = (
            "scenario",
            "output",
            "tier",
            "max abs",
            "max rel",
            "max ULPs",
            "result",
        )
        rows: list[tuple] = []
        for res in results:
            if res.error is not None:
                rows.append((res.scenario.name, "-", "-", "-", "-", "-", "ERROR"))
                continue
            for c in res.comparisons:
                rows.append((res.scenario.name, c.output, c.tier.describe(), _fmt(c.max_abs),
                             _fmt(c.max_rel), f"{c.max_ulps:g}", "pass" if c.passed else "FAIL"))  # fmt: skip
    else:
        header = ("scenario", "section", "outputs", "tiers", "max ULPs", "result")
        rows = []
        for res in results:
            tiers = sorted({c.tier.kind for c in res.comparisons})
            worst = max((c.max_ulps for c in res.comparisons), default=0.0)
            verdict = "ERROR" if res.error is not None else "pass" if res.passed else "FAIL"
            rows.append((res.scenario.name, res.scenario.section or "-", len(res.comparisons),
                         ",".join(tiers) or "-", f"{worst:g}", verdict))  # fmt: skip
    lines = _columns(header, rows)
    failed = [r for r in results if not r.passed]
    n_out = sum(len(r.comparisons) for r in results)
    lines.append("")
    lines.append(f"{len(results) - len(failed)}/{len(results)} scenarios passed "
                 f"({n_out} outputs compared)")  # fmt: skip
    for res in failed:
        lines.append(res.message())
    return "\n".join(lines)


def report(results: Sequence[ScenarioResult], info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON report: environment ``info`` and every scenario's outputs."""
    return {
        "passed": all(r.passed for r in results),
        "scenarios_passed": sum(r.passed for r in results),
        "scenarios": len(results),
        "info": info or {},
        "results": [r.to_dict() for r in results],
    }


def divergence_series(results: Sequence[ScenarioResult]) -> dict[str, dict[str, list[float]]]:
    """For each scenario with trajectory outputs: output name -> the distance between
    the two languages' values per step, in ULPs (units in the last place)."""
    series: dict[str, dict[str, list[float]]] = {}
    for res in results:
        for c in res.comparisons:
            if c.divergence_ulps is not None and len(c.divergence_ulps) > 1:
                series.setdefault(res.scenario.name, {})[c.output] = c.divergence_ulps
    return series


def _minor_ulp_label(ax: Any) -> Callable[[float, Any], str]:
    """Minor tick labels for a log axis of ULPs: 2 and 5 times a power of ten, as
    plain numbers, when the axis spans less than about a decade and a half."""

    def label(value: float, _pos: Any) -> str:
        low, high = ax.get_ylim()
        if value <= 0 or low <= 0 or high / low > 30:
            return ""
        mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return f"{value:g}" if round(mantissa) in (2, 5) else ""

    return label


def divergence_figures(results: Sequence[ScenarioResult]) -> dict[str, Figure]:
    """For every training scenario, a matplotlib Figure of the cross-language divergence
    of each trajectory output per iteration (per epoch for accuracies), in ULPs on a
    log scale, so a difference born in the last bit of a matrix product shows whether
    it grows through training. Outputs that never differ are named instead of drawn.
    Returns scenario name -> Figure (object API, no pyplot state), in the style of
    every pyref figure (:data:`pyref.figures.STYLE`)."""
    import matplotlib

    from pyref.figures import STYLE

    with matplotlib.rc_context(STYLE):
        return _divergence_figures(results)


def _divergence_figures(results: Sequence[ScenarioResult]) -> dict[str, Figure]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figures: dict[str, Figure] = {}
    for name, outputs in divergence_series(results).items():
        identical = sorted(out for out, div in outputs.items() if not any(div))
        drawn = {out: div for out, div in sorted(outputs.items()) if any(div)}
        if not drawn:  # nothing to draw: say so instead of showing empty axes
            fig = Figure(figsize=(8, 1.6))
            ax = fig.add_subplot(1, 1, 1)  # (a figure without axes is not drawn inline)
            ax.axis("off")
            ax.text(0.5, 0.68, f"{name}: no divergence", ha="center", fontsize="large")
            ax.text(0.5, 0.25, "bit-identical at every iteration: " + ", ".join(identical),
                    ha="center", color="dimgrey", wrap=True)  # fmt: skip
            figures[name] = fig
            continue
        fig = Figure(figsize=(8, 4.5))
        ax = fig.add_subplot(1, 1, 1)
        for output, div in drawn.items():
            y = np.asarray(div, dtype=float)
            ax.plot(np.arange(len(y)), np.where(y > 0, y, np.nan), marker=".", markersize=3,
                    linewidth=1, label=output)  # fmt: skip
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.4)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_minor_ulp_label(ax)))
        ax.set_xlabel("iteration (epoch for accuracies)")
        ax.set_ylabel("ULPs between Python and Julia\n(gaps: bit-identical)")
        ax.set_title(f"{name}: cross-language divergence")
        if len(drawn) <= 12:
            ax.legend(fontsize="small")
        if identical:
            text = "bit-identical throughout: " + ", ".join(identical)
            if len(text) > 110:
                text = text[:107] + "..."
            ax.text(0.01, 0.01, text, transform=ax.transAxes, fontsize="small", color="dimgrey")
        fig.tight_layout()
        figures[name] = fig
    return figures


def plot_divergence(results: Sequence[ScenarioResult], directory: str | os.PathLike) -> list[Path]:
    """:func:`divergence_figures` written as one PNG per training scenario into
    ``directory`` (``<scenario>.png``). Returns the files written."""
    from pyref.io import save_figure

    return [
        save_figure(fig, Path(directory) / f"{name}.png")
        for name, fig in divergence_figures(results).items()
    ]
