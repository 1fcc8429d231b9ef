"""How closely an output of a parity scenario must agree: the tiers, a leaf.

``exact`` (every bit), ``close`` (within a tolerance relative to the output's
scale: one pass through BLAS) and ``trajectory`` (within a bound at every step of
a training run). The built-in suite (:mod:`pyref.parity.scenarios`) and users'
scenario files build their tiers from these; :mod:`pyref.parity` re-exports them.

The ``close`` tier was called ``ulp`` before: it never counted ULPs, it bounds the
difference by a fraction of the output's largest magnitude. The old name is refused
with a ValueError that names the new one, so a scenario file that still says
``ulp`` stops with a message saying what to write instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TIER_KINDS = ("exact", "close", "trajectory")
#: The ``close`` tier's default: one pass through BLAS agrees to 1e-12 of the scale.
DEFAULT_CLOSE_RTOL = 1e-12
#: Names that are gone, and what to write instead (see :func:`renamed`).
RENAMED = {
    "ulp": "close",
    "ULP": "CLOSE",
    "DEFAULT_ULP_RTOL": "DEFAULT_CLOSE_RTOL",
}


def renamed(name: str) -> ValueError:
    """The error for a tier name that was renamed: it names the old and the new."""
    return ValueError(
        f"the parity tier {name!r} is now called {RENAMED[name]!r} (a tolerance relative "
        f"to the output's scale, not a count of ULPs): write {RENAMED[name]}"
        + ("(rtol=..., atol=...)" if name == "ulp" else "")
    )


@dataclass(frozen=True)
class Tier:
    """How closely one output must agree.

    ``exact``: every bit. ``close``: ``|python - julia| <= atol + rtol * scale`` for
    every element, where ``scale`` is the output's largest magnitude: a matrix
    product's rounding error scales with its terms, not with each result, so an
    entry that cancels to nearly zero carries the error of the large terms it came
    from (``atol`` is for outputs that are zero mathematically, i.e. pure noise).
    ``trajectory``: every ``|python - julia| <= bound``, reported per iteration.
    """

    kind: str = "exact"
    rtol: float = DEFAULT_CLOSE_RTOL
    bound: float = 0.0
    atol: float = 0.0

    def __post_init__(self) -> None:
        if self.kind == "ulp":
            raise renamed("ulp")
        if self.kind not in TIER_KINDS:
            raise ValueError(f"tier kind must be one of {', '.join(TIER_KINDS)}, got {self.kind!r}")
        for name in ("rtol", "bound", "atol"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"tier {name} must be a finite number >= 0, got {value!r}")

    def describe(self) -> str:
        """The tier in a table cell: ``exact``, ``close≤1e-12[+atol]``, ``traj≤bound``."""
        if self.kind == "close":
            return f"close≤{self.rtol:g}" + (f"+{self.atol:g}" if self.atol else "")
        if self.kind == "trajectory":
            return f"traj≤{self.bound:g}"
        return "exact"


EXACT = Tier("exact")
CLOSE = Tier("close")


def trajectory(bound: float) -> Tier:
    """A training-trajectory tier whose maximum divergence must stay within ``bound``."""
    return Tier("trajectory", bound=bound)


def close(rtol: float = DEFAULT_CLOSE_RTOL, atol: float = 0.0) -> Tier:
    """A one-pass-through-BLAS tier: ``rtol`` of the output's scale, plus ``atol``."""
    return Tier("close", rtol=rtol, atol=atol)


#: A numerical gradient with Julia's own BLAS: the central difference divides the loss's
#: last-bit differences by 2h = 2e-4, so one ULP of a loss near 1 is ~1e-12 of the
#: gradient (measured: 1.5e-12 for chapter 4's simpleNet); 1e-9 leaves room for a few
#: ULPs of larger losses. numpy-BLAS mode still compares it exact.
NUMERICAL_GRADIENT = close(1e-9)
