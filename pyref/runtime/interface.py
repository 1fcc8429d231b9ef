"""What every bridge to PyRef, the Julia twin, gives: the :class:`JuliaSession`
interface and the errors it raises.

Two bridges implement it: :mod:`pyref.runtime.exe` (the ``julia`` executable as a
worker process) and :mod:`pyref.runtime.jlcall` (Julia inside this process through
juliacall); :mod:`pyref.runtime.session` chooses one and keeps the process's
shared session. This module imports neither bridge, so both can build on it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from pyref.runtime import numpyblas

#: The variable that forces a bridge, and the bridges it may name.
ENV_BRIDGE = "PYREF_JULIA_BRIDGE"
BRIDGES = ("exe", "juliacall")


class JuliaBridgeError(RuntimeError):
    """No session could be started, or the worker stopped; the message says what to do."""


class JuliaBridgeConfigError(JuliaBridgeError, ValueError):
    """A setting of the bridge (an argument or environment variable) is invalid."""


class JuliaWorkerCrashed(JuliaBridgeError):
    """The Julia worker process died (or was killed) while serving a request.

    The message is ``summary`` (what happened), then the last lines of the worker's
    log, ``tail``; ``log_path`` is the log, when the message cites it. It lives in
    the session's folder, which goes when the session is closed: a command that
    keeps a copy cites that instead (:meth:`log_moved`).
    """

    def __init__(
        self, summary: str, tail: str = "", log_path: os.PathLike | str | None = None
    ) -> None:
        where = "" if log_path is None else f" ({os.fspath(log_path)})"
        super().__init__(f"{summary}. Last lines of its log{where}:\n{tail}")
        self.summary, self.tail = summary, tail
        self.log_path = None if log_path is None else os.fspath(log_path)

    def log_moved(self, path: os.PathLike | str | None) -> str:
        """The message with the log kept at ``path``: one line, the summary, where the
        log is and its last line; without ``path``, the whole message citing no file."""
        if path is None:
            return f"{self.summary}. Last lines of its log:\n{self.tail}"
        lines = [ln.strip() for ln in self.tail.splitlines() if ln.strip()]
        end = f", ending: {lines[-1]}" if lines else ""
        return f"{self.summary}; its log is {os.fspath(path)}{end}"


class JuliaError(RuntimeError):
    """A Julia function raised: ``julia_type``, ``julia_message`` and ``trace`` tell
    what; ``frames`` are its stack frames in users' files (``"function at file:line"``,
    innermost first: ``PyRef.Bridge.user_frames``)."""

    def __init__(
        self,
        name: str,
        julia_type: str,
        message: str,
        trace: str = "",
        frames: Sequence[str] = (),
    ) -> None:
        # Julia's showerror mostly starts with the type already ("ArgumentError: ...").
        text = message if message.startswith(julia_type) else f"{julia_type}: {message}"
        super().__init__(f"{name}: Julia {text}")
        self.julia_type = julia_type
        self.julia_message = message
        self.trace = trace
        self.frames = [str(f) for f in frames]


class JuliaArgumentError(JuliaError, ValueError):
    """Julia refused an argument (ArgumentError, DimensionMismatch, DomainError)."""


class JuliaTypeError(JuliaError, TypeError):
    """No Julia method takes arguments of these types (MethodError)."""


_ERROR_CLASSES: dict[str, type[JuliaError]] = {
    "ArgumentError": JuliaArgumentError,
    "DimensionMismatch": JuliaArgumentError,
    "DomainError": JuliaArgumentError,
    "BoundsError": JuliaArgumentError,
    "MethodError": JuliaTypeError,
    "TypeError": JuliaTypeError,
}


def julia_error(
    name: str, julia_type: str, message: str, trace: str = "", frames: Sequence[str] = ()
) -> JuliaError:
    """The Python exception for a Julia error of type ``julia_type``."""
    return _ERROR_CLASSES.get(julia_type, JuliaError)(name, julia_type, message, trace, frames)


def check_variable(name: object) -> str:
    """``name`` if it is a Julia variable name, else a ValueError."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Julia variable name such as 'data', not {name!r}")
    return name


def check_name(name: object) -> str:
    """``name`` if it is a non-empty string (a qualified Julia name), else a TypeError."""
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"name must be a qualified Julia name such as 'PyRef.softmax', not {name!r}"
        )
    return name


class JuliaSession:
    """Calls into PyRef; subclasses move the data. Use :func:`pyref.runtime.session` to get one."""

    #: "exe" or "juliacall".
    bridge: str = ""
    #: What the Julia side reported when it started (version, pid, ...).
    info: dict[str, Any]

    def call(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """``name(args...; kwargs...)`` in Julia, e.g. ``call("PyRef.softmax", x)``.

        Arguments may be numpy arrays, numbers, strings, booleans, None, and lists,
        tuples and dicts (string keys) of these. Each positional argument keeps its
        own type (``call(f, 1.0, 10)`` passes a Float64 and an Int); a list's items
        are converted together (``[1, 2.5]`` becomes a ``Vector{Float64}``). Integers
        must fit Julia's Int64 and strings must be valid Unicode, else ValueError.
        Julia functions that change their arguments change copies only, also of the
        large arrays the ``exe`` worker keeps. Julia's result comes back as plain
        data: Dicts as dicts, numeric arrays as numpy arrays (same indices), other
        vectors as lists. A Julia exception becomes a :class:`JuliaError`
        (ValueError for ArgumentError/DimensionMismatch, TypeError for MethodError).
        """
        return self.call_with_timeout(None, name, *args, **kwargs)

    def call_with_timeout(
        self, timeout: float | None, name: str, /, *args: Any, **kwargs: Any
    ) -> Any:
        """:meth:`call`, giving up (and stopping the worker) after ``timeout`` seconds."""
        raise NotImplementedError

    def include(self, path: str | os.PathLike) -> None:
        """Load a Julia source file into Julia's Main (for scenarios of your own)."""
        raise NotImplementedError

    def eval(self, code: str) -> Any:
        """Evaluate Julia code in Main and return its value as plain data."""
        raise NotImplementedError

    def assign(self, name: str, value: Any) -> None:
        """Set the global ``name`` of Julia's Main to ``value`` (converted as for
        :meth:`call`), so Julia code run by :meth:`eval` can use it."""
        raise NotImplementedError

    def use_blas(self, mode: str | None = None) -> dict[str, Any]:
        """Switch PyRef's matrix products to ``mode`` (``numpy`` or ``native``; None
        keeps the current one) and return what they now run on (``PyRef.blas_info()``:
        mode, library, kernels, threads).

        In ``numpy`` mode Julia is given numpy's current BLAS thread count, on which
        the last bits of some products depend. A numpy BLAS that cannot be used raises
        :class:`pyref.runtime.numpyblas.NumpyBlasError` with the reason.
        """
        try:
            if mode is None:
                info = self.call("PyRef.blas_info")
            else:
                info = self.call("PyRef.set_blas_mode!", numpyblas.wanted_mode(mode))
            if info.get("mode") == "numpy":
                threads = numpyblas.current_threads()
                if int(info.get("threads", 0)) != threads:
                    self.call("PyRef.set_numpy_blas_threads!", threads)
                    info["threads"] = threads
        except JuliaError as err:
            raise numpyblas.NumpyBlasError(f"numpy's BLAS cannot be used in Julia: {err}") from err
        return dict(info)

    def close(self) -> None:
        """Stop the session (the worker process, if any)."""

    def __enter__(self) -> JuliaSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
