"""What a parity scenario is, and how closely each of its outputs must agree.

The harness's data model, a leaf of it: :class:`Tier` (``exact``, ``ulp``,
``trajectory``) and :class:`Scenario`. The built-in suite (``pyref.scenarios``) and
user files build scenarios from these; :mod:`pyref.parity` runs and reports them
(and re-exports everything here, as the public API).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

TIER_KINDS = ("exact", "ulp", "trajectory")
DEFAULT_ULP_RTOL = 1e-12


@dataclass(frozen=True)
class Tier:
    """How closely one output must agree.

    ``exact``: every bit. ``ulp``: ``|python - julia| <= atol + rtol * scale`` for
    every element, where ``scale`` is the output's largest magnitude: a matrix
    product's rounding error scales with its terms, not with each result, so an
    entry that cancels to nearly zero carries the error of the large terms it came
    from (``atol`` is for outputs that are zero mathematically, i.e. pure noise).
    ``trajectory``: every ``|python - julia| <= bound``, reported per iteration.
    """

    kind: str = "exact"
    rtol: float = DEFAULT_ULP_RTOL
    bound: float = 0.0
    atol: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in TIER_KINDS:
            raise ValueError(f"tier kind must be one of {', '.join(TIER_KINDS)}, got {self.kind!r}")
        for name in ("rtol", "bound", "atol"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"tier {name} must be a finite number >= 0, got {value!r}")

    def describe(self) -> str:
        if self.kind == "ulp":
            return f"ulp≤{self.rtol:g}" + (f"+{self.atol:g}" if self.atol else "")
        if self.kind == "trajectory":
            return f"traj≤{self.bound:g}"
        return "exact"


EXACT = Tier("exact")
ULP = Tier("ulp")


def trajectory(bound: float) -> Tier:
    """A training-trajectory tier whose maximum divergence must stay within ``bound``."""
    return Tier("trajectory", bound=bound)


def ulp(rtol: float = DEFAULT_ULP_RTOL, atol: float = 0.0) -> Tier:
    """A one-pass-through-BLAS tier: relative ``rtol`` of the output's scale, plus ``atol``."""
    return Tier("ulp", rtol=rtol, atol=atol)


@dataclass(frozen=True)
class Scenario:
    """A named, seeded computation with a Python side and a Julia side.

    ``python(**kwargs)`` and the Julia function named ``julia`` (a qualified name
    such as ``"PyRef.Scenarios.layer_affine"``, called through :mod:`pyref.runtime`
    with the same keywords) both return a dict of named outputs; nested dicts
    compare leaf by leaf (``"grads/W1"``). ``tiers`` maps output names to tiers
    (unlisted: exact; a name also covers what is nested under it, and a leaf name
    applies at any depth). ``inputs``, if given, returns more keywords (arrays such
    as data) computed once in Python and handed to both sides. ``julia_files`` are
    loaded into the Julia session first, for scenarios whose Julia side lives
    outside PyRef. ``quick`` scenarios form ``pyref parity --quick``; ``full`` ones (the
    book's experiments at full length, minutes each) run only with ``--full`` or by
    name; ``section`` groups them by the book's section (6.1 ... 6.5) for the notebooks.
    """

    name: str
    python: Callable[..., dict[str, Any]]
    julia: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    tiers: dict[str, Tier] = field(default_factory=dict)
    section: str = ""
    quick: bool = True
    inputs: Callable[[], dict[str, Any]] | None = None
    julia_files: tuple[str, ...] = ()
    description: str = ""
    full: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(
            r"[A-Za-z0-9][A-Za-z0-9_.-]*", self.name
        ):
            raise ValueError(
                f"scenario name must be letters, digits, '-', '_' or '.', got {self.name!r}"
            )
        if not callable(self.python):
            raise TypeError(f"scenario {self.name}: python must be callable")
        if not isinstance(self.julia, str) or not self.julia:
            raise TypeError(f"scenario {self.name}: julia must be a qualified Julia function name")
        for key, tier in self.tiers.items():
            if not isinstance(tier, Tier):
                raise TypeError(
                    f"scenario {self.name}: tier of {key!r} must be a Tier, not {type(tier).__name__}"
                )

    def tier(self, output: str) -> Tier:
        return _tier_for(self, output)

    def arguments(self) -> dict[str, Any]:
        """The keywords both sides are called with: ``kwargs`` plus ``inputs()``."""
        return {**self.kwargs, **(self.inputs() if self.inputs is not None else {})}


def _tier_for(scenario: Scenario, name: str) -> Tier:
    """The tier of a flattened output: its own, else its closest declared parent's."""
    parts = name.split("/")
    for k in range(len(parts), 0, -1):
        key = "/".join(parts[:k])
        if key in scenario.tiers:
            return scenario.tiers[key]
    # A declared leaf name applies at any depth (e.g. 'train_acc' inside variants).
    return scenario.tiers.get(parts[-1], EXACT)
