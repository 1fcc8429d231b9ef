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
    ``step_axis`` declares the axis along which multi-step outputs hold their steps
    (an optimizer's parameters after each update, shape ``(steps, ...)``): an int for
    every output that has that axis, or a dict from output names to axes, resolved
    as ``tiers`` are (unlisted: none); a report then says ``first differs at step 1,
    index (0, 0)`` instead of ``at index (1, 0, 0)``.
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
    step_axis: int | dict[str, int] | None = None

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
        axes = self.step_axis
        if isinstance(axes, dict):
            for key, axis in axes.items():
                if not isinstance(key, str) or not key:
                    raise TypeError(
                        f"scenario {self.name}: step_axis keys must be output names, got {key!r}"
                    )
                _check_axis(self.name, f"step_axis[{key!r}]", axis)
        elif axes is not None:
            _check_axis(self.name, "step_axis", axes)

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

    def step_axis_of(self, output: str) -> int | None:
        """The step axis of a flattened output: ``step_axis`` itself when it is an int,
        else the output's own entry, its closest declared parent's, or a declared leaf
        name's at any depth, else None."""
        axes = self.step_axis
        if not isinstance(axes, dict):
            return axes
        parts = output.split("/")
        for k in range(len(parts), 0, -1):
            key = "/".join(parts[:k])
            if key in axes:
                return axes[key]
        return axes.get(parts[-1])

    def arguments(self) -> dict[str, Any]:
        """The keywords both sides are called with: ``kwargs`` plus ``inputs()``."""
        return {**self.kwargs, **(self.inputs() if self.inputs is not None else {})}


def _check_axis(scenario: str, what: str, axis: object) -> None:
    """A step axis is an int >= 0 (not a bool)."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(
            f"scenario {scenario}: {what} must be an int (the axis of the steps), "
            f"not {type(axis).__name__}"
        )
    if axis < 0:
        raise ValueError(f"scenario {scenario}: {what} must be >= 0, got {axis}")
