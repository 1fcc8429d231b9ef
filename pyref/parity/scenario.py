"""What a parity scenario is: a named, seeded computation with a Python side, a
Julia side and a tier for each output (:mod:`pyref.parity.tiers`).

The built-in suite (:mod:`pyref.parity.scenarios`) and users' scenario files build
:class:`Scenario` objects; :mod:`pyref.parity.registry` collects them and
:mod:`pyref.parity.runner` runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pyref.parity.tiers import EXACT, Tier


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
        """The tier of a flattened output (``"grads/W1"``): its own, else its closest
        declared parent's, else a declared leaf name's at any depth (``"train_acc"``
        inside variants), else exact."""
        parts = output.split("/")
        for k in range(len(parts), 0, -1):
            key = "/".join(parts[:k])
            if key in self.tiers:
                return self.tiers[key]
        return self.tiers.get(parts[-1], EXACT)

    def arguments(self) -> dict[str, Any]:
        """The keywords both sides are called with: ``kwargs`` plus ``inputs()``."""
        return {**self.kwargs, **(self.inputs() if self.inputs is not None else {})}
