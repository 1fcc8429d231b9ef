"""Bridges from Python to PyRef, the Julia twin, and the Julia runtime it needs.

``session()`` gives the process's shared :class:`JuliaSession` (see
:mod:`pyref.runtime.bridge` for the two bridges and how one is chosen);
``ordered_like`` puts a Julia result's dict keys in the order of the Python result
it mirrors; :mod:`pyref.runtime.runtime` finds and installs Julia.
"""

from pyref.runtime.bridge import (
    JuliaArgumentError,
    JuliaBridgeError,
    JuliaError,
    JuliaSession,
    JuliaTypeError,
    JuliaWorkerCrashed,
    close_session,
    ordered_like,
    session,
    start_session,
)

__all__ = [
    "JuliaArgumentError",
    "JuliaBridgeError",
    "JuliaError",
    "JuliaSession",
    "JuliaTypeError",
    "JuliaWorkerCrashed",
    "close_session",
    "ordered_like",
    "session",
    "start_session",
]
