"""The suite ``pyref parity`` runs: the built-in scenarios plus those users register.

:func:`register` adds a scenario (ports of other chapters, users' own files);
:func:`load_scenarios` imports a file or module that registers some;
:func:`select` picks scenarios by name or glob, ``--quick``, ``--full`` or section. No Julia
here: the built-in suite is read from :mod:`pyref.parity.scenarios` when first asked.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import os
import traceback
from collections.abc import Sequence
from pathlib import Path

from pyref.parity.scenario import Scenario

_REGISTERED: dict[str, Scenario] = {}
#: The file or module each registered scenario came from (loaded again, it replaces its own).
_ORIGIN: dict[str, str] = {}
#: The :func:`load_scenarios` under way, innermost last: (source, what it registered).
_LOADING: list[tuple[str, list[Scenario]]] = []
#: The characters that make a ``--scenario`` name a glob (fnmatch).
GLOB_CHARS = "*?["


def register(scenario: Scenario) -> Scenario:
    """Add ``scenario`` to the suite ``pyref parity`` runs (for ports of other chapters).

    Returns it, so it can be used as ``SC = register(Scenario(...))``. A name that is
    already taken raises ValueError, unless it is the same scenario again or the file
    that registered it is being loaded again (:func:`load_scenarios`).
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a pyref.parity.Scenario, not {type(scenario).__name__}")
    existing = all_scenarios().get(scenario.name)
    source = _LOADING[-1][0] if _LOADING else None
    reloaded = source is not None and _ORIGIN.get(scenario.name) == source
    if existing is not None and existing != scenario and not reloaded:
        raise ValueError(f"a scenario named {scenario.name!r} exists already")
    _REGISTERED[scenario.name] = scenario
    if source is not None:
        _ORIGIN.setdefault(scenario.name, source)
        _LOADING[-1][1].append(scenario)
    return scenario


def load_scenarios(source: str) -> list[Scenario]:
    """Import a Python file (``path.py``) or module (``package.module``) whose import
    registers scenarios with :func:`register`.

    Returns:
        The scenarios its import registered, in order.

    Raises:
        ScenarioLoadError: the import failed (the message names the file and line),
            or it registered no scenario.
        ValueError: there is no such file.
    """
    key = str(Path(source).resolve()) if _is_file(source) else source
    _LOADING.append((key, []))
    try:
        where = _import_scenarios(source)
    finally:
        _, loaded = _LOADING.pop()
    if _LOADING:  # loaded from a file being loaded: that file registered them too
        _LOADING[-1][1].extend(loaded)
    if not loaded:
        raise ScenarioLoadError(
            f"--load {where}: registers no scenario (a scenario file calls "
            "pyref.parity.register(Scenario(...)) when imported; see docs/parity.md)"
        )
    return list({sc.name: sc for sc in loaded}.values())


def _is_file(source: str) -> bool:
    """Whether ``--load``'s ``source`` names a file (else a module)."""
    return source.endswith(".py") or os.sep in source


def _import_scenarios(source: str) -> str:
    """Import ``source`` (a file or a module); return how to name it in messages."""
    if _is_file(source):
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
        return str(path)
    try:
        importlib.import_module(source)
    except Exception as err:
        raise ScenarioLoadError(f"--load {source}: {describe_error(err)}") from err
    return source


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


class UnknownScenarioError(ValueError):
    """A ``--scenario`` name that no scenario has, or a glob that matches none."""


def select(
    names: Sequence[str] | None = None,
    *,
    quick: bool = False,
    section: str | None = None,
    full: bool = False,
    among: Sequence[Scenario] | None = None,
) -> list[Scenario]:
    """Scenarios by name or glob (all when ``names`` is empty; the full-length ones
    only with ``full``), the quick ones with ``quick``, one section's with ``section``.

    Args:
        names: scenario names, or fnmatch globs (``"optimizer-*"``), each standing
            for every name it matches (the full-length ones too), in the suite's
            order; a scenario named twice is run once.
        quick: only the quick scenarios (when no names are given).
        section: only this section's scenarios.
        full: with no names, add the full-length scenarios.
        among: choose among these scenarios instead of the whole suite (those a
            ``--load`` registered).

    Raises:
        UnknownScenarioError: a name no scenario has (the known listed), or a glob
            that matches none (pointing to ``pyref parity --list``).
    """
    known = all_scenarios() if among is None else {sc.name: sc for sc in among}
    if names:
        chosen_names: list[str] = []
        unknown = []
        for name in names:
            if any(c in name for c in GLOB_CHARS):
                matched = [n for n in known if fnmatch.fnmatchcase(n, name)]
                if not matched:
                    raise UnknownScenarioError(
                        f"--scenario {name!r} matches no scenario (pyref parity --list shows them)"
                    )
                chosen_names += matched
            elif name in known:
                chosen_names.append(name)
            else:
                unknown.append(name)
        if unknown:
            raise UnknownScenarioError(
                f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        chosen = [known[n] for n in dict.fromkeys(chosen_names)]
    else:
        chosen = [sc for sc in known.values() if full or not sc.full]
    if quick and not names:
        chosen = [sc for sc in chosen if sc.quick]
    if section is not None:
        chosen = [sc for sc in chosen if sc.section == section]
    return chosen
