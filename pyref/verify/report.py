"""The verdicts as text (one line per check, then what to do about each difference)
and as JSON (``pyref verify --json``)."""

from __future__ import annotations

import math
from typing import Any

from pyref.parity.frames import shown, shown_frame
from pyref.verify.runner import CheckResult
from pyref.verify.verdict import EPS, ROUNDING_CAUSES, ROUNDING_FIRST, ROUNDING_TRAIL


def _component(r: CheckResult) -> str:
    return f"{r.kind} {r.component}"


def detail(r: CheckResult) -> str:
    """What the verdict rests on, in a sentence or two (empty for ``exact``)."""
    v = r.verdict
    if v.verdict == "exact":
        return ""
    if v.verdict == "error":
        e = v.error or {}
        message = e.get("message", "").strip()
        kind = e.get("type", "an error")
        if not message.startswith(kind):
            message = f"{kind}: {message}"
        lines = [f"the port threw {message}"]
        frames = e.get("frames") or []
        lines += [f"  in {shown_frame(f)}" for f in frames] or [
            "  (no frame of the port's files in the trace)"
        ]
        return "\n".join(lines)
    first = v.first
    where = f"first differs at step {first.step}, {first.where()}: {first.describe()}"
    if v.verdict == "rounding":
        return (
            f"{where}; every difference over {r.steps} steps stays within "
            f"{v.max_error:.2g} of its output's scale: the same formula computed in "
            f"another order. Common causes: {ROUNDING_CAUSES}"
        )
    if v.beyond_step is not None and v.beyond_step != first.step:
        grown = v.step_errors[v.beyond_step]
        where += (
            f"; larger than rounding from step {v.beyond_step} "
            f"({_rel(grown)} of the output's scale)"
        )
    elif math.isfinite(v.step_errors[first.step]):
        where += f"; {_rel(v.step_errors[first.step])} of the output's scale"
    return f"{where}: a different formula"


def _rel(x: float) -> str:
    return "all" if math.isinf(x) else f"{x:.2g}"


def text(results: list[CheckResult]) -> str:
    """The report: one row per check (label, component, verdict), then the details."""
    if not results:
        return "no checks"
    width = max(len(r.label) for r in results)
    cwidth = max(len(_component(r)) for r in results)
    rows = [
        f"{r.label:<{width}}  {_component(r):<{cwidth}}  {r.verdict.verdict:<8}  {r.seconds:6.2f} s"
        for r in results
    ]
    notes = [
        f"\n{r.label} ({shown(r.file)}):\n  " + detail(r).replace("\n", "\n  ")
        for r in results
        if r.verdict.verdict != "exact"
    ]
    counts = {}
    for r in results:
        counts[r.verdict.verdict] = counts.get(r.verdict.verdict, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    return "\n".join(rows + notes + [f"\n{len(results)} checks: {summary}"])


def _number(x: Any) -> Any:
    """A value for JSON: floats as numbers, NaN and infinities as strings."""
    if x is None or isinstance(x, (str, bool, int)):
        return x
    if isinstance(x, (tuple, list)):
        return [_number(v) for v in x]
    f = float(x)
    return f if math.isfinite(f) else str(f)


def to_dict(r: CheckResult) -> dict[str, Any]:
    """One check as JSON: name, component, verdict, first_step, first_index, ulps,
    python, julia (the first difference), the error and its frames."""
    v = r.verdict
    first = v.first
    return {
        "name": r.label,
        "kind": r.kind,
        "component": r.component,
        "file": r.file,
        "verdict": v.verdict,
        "steps": r.steps,
        "first_step": first.step if first else None,
        "first_output": first.output if first else None,
        "first_index": list(first.index) if first and first.index is not None else None,
        "ulps": _number(first.ulps()) if first else None,
        "python": _number(first.python) if first else None,
        "julia": _number(first.julia) if first else None,
        "difference": first.describe() if first else None,
        "beyond_rounding_step": v.beyond_step,
        "step_errors": [_number(e) for e in v.step_errors],
        "detail": detail(r),
        "error": None if v.error is None else f"{v.error.get('message', '')}".strip(),
        "error_type": None if v.error is None else v.error.get("type"),
        "frames": None if v.error is None else list(v.error.get("frames") or []),
        "seconds": round(r.seconds, 4),
    }


def to_json(results: list[CheckResult], *, seed: int, steps: int) -> dict[str, Any]:
    """The whole run as JSON, with the thresholds that separate rounding from formula."""
    return {
        "seed": seed,
        "steps": steps,
        "thresholds": {
            "rounding_first_eps": ROUNDING_FIRST,
            "rounding_first": ROUNDING_FIRST * EPS,
            "rounding_trail": ROUNDING_TRAIL,
        },
        "checks": [to_dict(r) for r in results],
    }
