"""Sessions that call PyRef, the Julia twin, from Python: numpy arrays in and out.

Two bridges give the same :class:`JuliaSession` interface
(:mod:`pyref.runtime.interface`), ``call(name, *args, **kwargs)``:

- ``exe`` (:mod:`pyref.runtime.exe`): the ``julia`` executable as a persistent
  worker process; JSON lines and .npy files cross between the two.
- ``juliacall`` (:mod:`pyref.runtime.jlcall`, ``pip install 'pyref[julia]'``):
  Julia inside this process through PythonCall; it needs Julia >= 1.10.

:func:`session` picks one: ``PYREF_JULIA_BRIDGE=exe|juliacall`` forces it; by
default juliacall is tried when it is installed and the executable bridge is used
when juliacall is absent or cannot start. One session serves the whole process.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from pyref.runtime.exe import ExeSession
from pyref.runtime.interface import (
    BRIDGES,
    ENV_BRIDGE,
    JuliaArgumentError,
    JuliaBridgeConfigError,
    JuliaBridgeError,
    JuliaError,
    JuliaSession,
    JuliaTypeError,
    JuliaWorkerCrashed,
)
from pyref.runtime.jlcall import JuliacallSession


def ordered_like(reference: Any, value: Any) -> Any:
    """``value`` (a result from Julia) with every dict's keys in ``reference``'s order.

    Julia's ``Dict`` has no order, so a result that crosses the bridge lists its keys
    in hash order. Reordered like the Python result, figures that iterate over the
    keys (panels, colours, legends) come out the same for both languages. Nested
    dicts and lists are matched element by element; keys ``reference`` lacks follow
    in their own order; anything else is returned as it is.
    """
    if isinstance(value, Mapping):
        ref = reference if isinstance(reference, Mapping) else {}
        keys = [k for k in ref if k in value] + [k for k in value if k not in ref]
        return {k: ordered_like(ref.get(k), value[k]) for k in keys}
    if isinstance(value, list):
        ref_items = list(reference) if isinstance(reference, (list, tuple)) else []
        return [
            ordered_like(ref_items[i] if i < len(ref_items) else None, item)
            for i, item in enumerate(value)
        ]
    return value


# ---------------------------------------------------------------------------
# Choosing a bridge
# ---------------------------------------------------------------------------

_SESSION: JuliaSession | None = None
_SESSION_PID: int | None = None
_SESSION_LOCK = threading.Lock()


def _wanted_bridge(bridge: str | None) -> str:
    choice = bridge if bridge is not None else os.environ.get(ENV_BRIDGE, "").strip()
    choice = (choice or "auto").lower()
    if choice not in (*BRIDGES, "auto"):
        raise ValueError(
            f"unknown Julia bridge {choice!r} (from {ENV_BRIDGE}?); choose from exe, juliacall, auto"
        )
    return choice


def start_session(bridge: str | None = None) -> JuliaSession:
    """A new session (not the shared one) through ``bridge`` (exe, juliacall or auto)."""
    choice = _wanted_bridge(bridge)
    if choice == "exe":
        return ExeSession()
    if choice == "juliacall":
        return JuliacallSession()
    if importlib.util.find_spec("juliacall") is not None:
        try:
            return JuliacallSession()
        except JuliaBridgeError as err:
            warnings.warn(
                f"{err} Using the julia executable instead.", RuntimeWarning, stacklevel=2
            )
    return ExeSession()


def session(bridge: str | None = None) -> JuliaSession:
    """The process's shared Julia session, started on first use (see the module doc).

    A session whose worker died is replaced by a new one on the next call here.
    """
    global _SESSION, _SESSION_PID
    with _SESSION_LOCK:
        current = _SESSION
        usable = current is not None and _SESSION_PID == os.getpid()
        if usable and isinstance(current, ExeSession) and not current.alive:
            usable = False
        wanted = _wanted_bridge(bridge)
        if usable and wanted != "auto" and current.bridge != wanted:
            usable = False
        if not usable:
            if current is not None and _SESSION_PID == os.getpid():
                current.close()
            _SESSION = start_session(wanted)
            _SESSION_PID = os.getpid()
        return _SESSION


def close_session() -> None:
    """Stop the shared session, if one is running in this process."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is not None and _SESSION_PID == os.getpid():
            _SESSION.close()
        _SESSION = None


atexit.register(close_session)

__all__ = [
    "BRIDGES",
    "ENV_BRIDGE",
    "ExeSession",
    "JuliaArgumentError",
    "JuliaBridgeConfigError",
    "JuliaBridgeError",
    "JuliaError",
    "JuliaSession",
    "JuliaTypeError",
    "JuliaWorkerCrashed",
    "JuliacallSession",
    "close_session",
    "ordered_like",
    "session",
    "start_session",
]
