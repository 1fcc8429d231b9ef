"""Bridges from Python to PyRef, the Julia twin, and the Julia runtime it needs.

``session()`` gives the process's shared :class:`JuliaSession`; ``ordered_like``
puts a Julia result's dict keys in the order of the Python result it mirrors.
The parts:

- :mod:`~pyref.runtime.locate`: finding and launching Julia;
- :mod:`~pyref.runtime.install`: ``pyref julia install``, Julia from Debian's packages;
- :mod:`~pyref.runtime.session`: which bridge, and the process's shared session;
- :mod:`~pyref.runtime.interface`: the :class:`JuliaSession` interface and its errors;
- :mod:`~pyref.runtime.exe`: the executable bridge (a ``julia`` worker process);
- :mod:`~pyref.runtime.jlcall`: the juliacall bridge (Julia in this process);
- :mod:`~pyref.runtime.mathmode`, :mod:`~pyref.runtime.numpyblas`: which math
  kernels and which BLAS this numpy runs, so that Julia runs the same.
"""

from pyref.runtime.session import (
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
