"""The juliacall bridge (``juliacall``): PyRef inside this process through PythonCall.

``pip install 'pyref[julia]'`` installs juliacall. No files cross: arguments are
converted by PythonCall and :data:`JULIACALL_GLUE`, results from Julia's values. It
needs Julia >= 1.10 and PythonCall from Julia's package registry, which juliacall
installs itself where the internet is reachable.

Named ``jlcall``, not ``juliacall``, so that it can never shadow the package it imports.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyref.runtime import locate
from pyref.runtime.interface import (
    ENV_BRIDGE,
    JuliaBridgeError,
    JuliaSession,
    check_name,
    check_variable,
    julia_error,
)

HOW_TO_JULIACALL = (
    "juliacall needs Julia >= 1.10 and the PythonCall package from Julia's registry; "
    "it downloads both on first use where the internet is reachable. Without them, "
    f"use the executable bridge ({ENV_BRIDGE}=exe, the default when juliacall fails), "
    "which needs only `pyref julia install`."
)


#: Julia code run once per juliacall session: Python's arguments arrive as PythonCall
#: wrappers (numpy arrays as PyArray, lists as PyList, dicts as PyDict, other objects
#: as Py); they become the plain Julia values PyRef.Bridge.invoke takes from the exe
#: bridge's JSON (arrays copied into Julia's layout, same indices). Positional
#: arguments are converted one by one, so each keeps its own type.
JULIACALL_GLUE = """
module PyRefJuliacall
using PythonCall
import PyRef
arg(x) = x
arg(x::Py) = arg(pyconvert(Any, x))
arg(x::PyArray) = Array(x)
arg(x::PyList) = PyRef.Bridge.typed(Any[arg(v) for v in x])
arg(x::PyDict) = Dict{String,Any}(string(k) => arg(v) for (k, v) in x)
arg(x::Tuple) = PyRef.Bridge.typed(Any[arg(v) for v in x])
call(name, args, kwargs) = PyRef.Bridge.invoke(name, Any[arg(v) for v in args], arg(kwargs))
assign(name, value) = Core.eval(Main, Expr(:(=), Symbol(name), arg(value)))
end
"""


class JuliacallSession(JuliaSession):
    """PyRef inside this process through juliacall (PythonCall).

    Untested on machines without Julia >= 1.10 and PythonCall (such as the project's
    CI, which can only check that it fails clearly there): it is kept thin, the
    argument handling and result normalisation being PyRef.Bridge's, as for ``exe``,
    plus JULIACALL_GLUE. Results cross without copies (numpy views of Julia arrays).
    """

    bridge = "juliacall"

    def __init__(self) -> None:
        if importlib.util.find_spec("juliacall") is None:
            raise JuliaBridgeError(
                "juliacall is not installed (pip install 'pyref[julia]'). " + HOW_TO_JULIACALL
            )
        try:
            # juliacall starts Julia (installing it and PythonCall if it can) and
            # reports its progress on stdout, which belongs to the caller: send it to stderr.
            with contextlib.redirect_stdout(sys.stderr):
                from juliacall import Main as jl
        except Exception as err:
            raise JuliaBridgeError(
                f"juliacall could not start Julia: {locate.one_line(str(err) or type(err).__name__)}. "
                + HOW_TO_JULIACALL
            ) from None
        project = str(locate.julia_project_dir())
        try:
            jl.seval(f"pushfirst!(LOAD_PATH, {json.dumps(project)}); using PyRef")
            jl.seval(JULIACALL_GLUE)
        except Exception as err:
            raise JuliaBridgeError(
                f"juliacall started Julia but could not load PyRef from {project}: {err}"
            ) from None
        self._jl = jl
        self.info = {
            "julia_version": str(jl.seval("string(VERSION)")),
            "pid": os.getpid(),
            "blas": str(jl.PyRef.Bridge.blas_info()),
            "numpy_math": _from_juliacall(jl.PyRef.Bridge.plain(jl.PyRef.numpy_math_mode())),
        }

    def call_with_timeout(
        self, timeout: float | None, name: str, /, *args: Any, **kwargs: Any
    ) -> Any:
        # juliacall runs Julia in this thread: a call cannot be interrupted, so no timeout.
        name = check_name(name)
        try:
            value = self._jl.PyRefJuliacall.call(name, list(args), kwargs)
        except Exception as err:
            raise self._translate(name, err) from None
        return _from_juliacall(value)

    def include(self, path: str | os.PathLike) -> None:
        self._jl.seval(f"Base.include(Main, {json.dumps(str(Path(path).resolve()))})")

    def eval(self, code: str) -> Any:
        return _from_juliacall(self._jl.PyRef.Bridge.plain(self._jl.seval(code)))

    def assign(self, name: str, value: Any) -> None:
        check_variable(name)
        self._jl.PyRefJuliacall.assign(name, value)

    def _translate(self, name: str, err: Exception) -> Exception:
        exc = getattr(err, "exception", None)  # juliacall's JuliaError carries the Julia exception
        if exc is None:
            return err
        julia_type = str(self._jl.seval("e -> string(nameof(typeof(e)))")(exc))
        message = str(self._jl.seval("e -> sprint(showerror, e)")(exc))
        try:  # juliacall's JuliaError also carries the backtrace
            frames = [str(f) for f in self._jl.PyRef.Bridge.user_frames(err.backtrace)]
        except Exception:
            frames = []
        return julia_error(f"calling {name}", julia_type, message, frames=frames)


def _from_juliacall(value: Any) -> Any:
    """juliacall's wrappers of PyRef.Bridge.plain data as Python data (arrays copied)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "to_numpy"):  # juliacall ArrayValue
        arr = value.to_numpy(copy=False)
        if arr.dtype == object:
            return [_from_juliacall(v) for v in value]
        return arr
    if isinstance(value, Mapping) or hasattr(value, "items"):
        return {str(k): _from_juliacall(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_from_juliacall(v) for v in value]
    return value
