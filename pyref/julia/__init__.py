"""Bridges from Python to PyRef, the Julia twin, and the Julia runtime it needs.

``session()`` gives the process's shared :class:`JuliaSession`; see
:mod:`pyref.julia.bridge` for the two bridges and how one is chosen, and
:mod:`pyref.julia.runtime` for finding and installing Julia.
"""

from pyref.julia.bridge import (
    JuliaArgumentError,
    JuliaBridgeError,
    JuliaError,
    JuliaSession,
    JuliaTypeError,
    JuliaWorkerCrashed,
    close_session,
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
    "session",
    "start_session",
]
