"""Bridges from Python to PyRef, the Julia twin, and the Julia runtime it needs.

``session()`` gives the process's shared :class:`JuliaSession` (see
:mod:`pyref.julia.bridge` for the two bridges and how one is chosen);
``ordered_like`` puts a Julia result's dict keys in the order of the Python result
it mirrors; :mod:`pyref.julia.runtime` finds and installs Julia.
"""

from pyref.julia.bridge import (
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
