"""The suite ``pyref parity`` runs: the built-in scenarios plus those users register.

:func:`register` adds a scenario (ports of other chapters, users' own files);
:func:`load_scenarios` imports a file or module that registers some;
:func:`select` picks scenarios by name, ``--quick``, ``--full`` or section. No Julia
here: the built-in suite is read from :mod:`pyref.parity.scenarios` when first asked.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import traceback
from collections.abc import Sequence
from pathlib import Path

from pyref.parity.scenario import Scenario

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
            raise ScenarioLoadError(f"--load {path}: {describe_error(err, str(path))}") from err
    else:
        try:
            importlib.import_module(source)
        except Exception as err:
            raise ScenarioLoadError(f"--load {source}: {describe_error(err)}") from err


class ScenarioLoadError(ValueError):
    """A scenario file or module could not be loaded; the message is one line."""


def describe_error(err: BaseException, filename: str | None = None) -> str:
    """``err`` in one line, with the line of ``filename`` where it happened."""
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
    """Every scenario by name: pyref's own (pyref.parity.scenarios), then registered ones."""
    from pyref.parity.scenarios import SCENARIOS

    return {**SCENARIOS, **_REGISTERED}


def select(
    names: Sequence[str] | None = None,
    *,
    quick: bool = False,
    section: str | None = None,
    full: bool = False,
) -> list[Scenario]:
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
