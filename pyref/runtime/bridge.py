"""Sessions that call PyRef, the Julia twin, from Python: numpy arrays in and out.

Two bridges give the same :class:`JuliaSession` interface, ``call(name, *args,
**kwargs)``:

- ``exe``: the ``julia`` executable (as :mod:`pyref.runtime.runtime` finds it) runs
  as a persistent worker process serving ``PyRef.Bridge.serve``. Requests and
  answers are JSON lines over its stdin/stdout; arrays travel as .npy files in a
  private temporary folder (numpy writes C order, PyRef writes Fortran order, and
  both read either, so indices mean the same on both sides). Large inputs, such as
  a data set, cross once and are then named by their digest. Julia's own prints
  and errors go to a log file, whose tail is shown if the worker dies.
- ``juliacall`` (``pip install 'pyref[julia]'``): Julia inside this process through
  PythonCall; no files, results converted from Julia's values. It needs Julia ≥ 1.10
  and PythonCall from Julia's package registry, which juliacall installs itself
  where the internet is reachable.

:func:`session` picks one: ``PYREF_JULIA_BRIDGE=exe|juliacall`` forces it; by
default juliacall is tried when it is installed and the executable bridge is used
when juliacall is absent or cannot start. One session serves the whole process.
Nothing here waits forever: a missing Julia fails at once, a broken one as soon as
it exits, a worker that does not come up within ``PYREF_JULIA_STARTUP_TIMEOUT``
seconds (default 300: the first start precompiles PyRef) is killed, and a worker
that dies during a call is reported as soon as it is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pyref.runtime import numpyblas, runtime

ENV_BRIDGE = "PYREF_JULIA_BRIDGE"
ENV_STARTUP_TIMEOUT = "PYREF_JULIA_STARTUP_TIMEOUT"
BRIDGES = ("exe", "juliacall")
DEFAULT_STARTUP_TIMEOUT = 300.0
#: Arrays at least this large are cached by the worker and sent only once.
CACHE_MIN_BYTES = 1 << 16
#: When the worker's cache would hold more than this, it is emptied first.
CACHE_MAX_BYTES = 1 << 30
#: Lines of the worker's log quoted when it dies.
LOG_TAIL_LINES = 25

#: The Julia code the worker runs: load PyRef, answer requests (ARGS[1]: the shared folder).
WORKER_CODE = "using PyRef; PyRef.Bridge.serve(ARGS[1])"

HOW_TO_JULIACALL = (
    "juliacall needs Julia >= 1.10 and the PythonCall package from Julia's registry; "
    "it downloads both on first use where the internet is reachable. Without them, "
    f"use the executable bridge ({ENV_BRIDGE}=exe, the default when juliacall fails), "
    "which needs only `pyref julia install`."
)


class JuliaBridgeError(RuntimeError):
    """No session could be started, or the worker stopped; the message says what to do."""


class JuliaBridgeConfigError(JuliaBridgeError, ValueError):
    """A setting of the bridge (an argument or environment variable) is invalid."""


class JuliaWorkerCrashed(JuliaBridgeError):
    """The Julia worker process died (or was killed) while serving a request."""


class JuliaError(RuntimeError):
    """A Julia function raised: ``julia_type``, ``julia_message`` and ``trace`` tell what."""

    def __init__(self, name: str, julia_type: str, message: str, trace: str = "") -> None:
        # Julia's showerror mostly starts with the type already ("ArgumentError: ...").
        text = message if message.startswith(julia_type) else f"{julia_type}: {message}"
        super().__init__(f"{name}: Julia {text}")
        self.julia_type = julia_type
        self.julia_message = message
        self.trace = trace


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


def julia_error(name: str, julia_type: str, message: str, trace: str = "") -> JuliaError:
    """The Python exception for a Julia error of type ``julia_type``."""
    return _ERROR_CLASSES.get(julia_type, JuliaError)(name, julia_type, message, trace)


def _check_variable(name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Julia variable name such as 'data', not {name!r}")
    return name


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"name must be a qualified Julia name such as 'PyRef.softmax', not {name!r}"
        )
    return name


class JuliaSession:
    """Calls into PyRef; subclasses move the data. Use :func:`session` to get one."""

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


# ---------------------------------------------------------------------------
# The executable bridge
# ---------------------------------------------------------------------------


def _check_timeout(value: object, name: str) -> float:
    """``value`` as a number of seconds: finite and > 0, else a ValueError naming ``name``."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise JuliaBridgeConfigError(f"{name} must be a number of seconds, got {value!r}") from None
    if not (seconds > 0 and math.isfinite(seconds)):
        raise JuliaBridgeConfigError(
            f"{name} must be a finite number of seconds > 0, got {value!r}"
        )
    return seconds


def _startup_timeout() -> float:
    text = os.environ.get(ENV_STARTUP_TIMEOUT, "")
    if not text:
        return DEFAULT_STARTUP_TIMEOUT
    return _check_timeout(text, ENV_STARTUP_TIMEOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc``'s process group unless ``proc`` is gone, wait for it, close its pipes."""
    if proc.returncode is None:
        # Not yet reaped, so its pid still names its process group (and no other).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            with contextlib.suppress(OSError):
                proc.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc.wait(timeout=10)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _quote(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_int(value: int, where: str) -> int:
    """``value`` if Julia's Int64 holds it (Julia reads JSON integers as Int64), else a
    ValueError: larger integers are refused rather than rounded to a float."""
    if INT64_MIN <= value <= INT64_MAX:
        return value
    shown = str(value) if value.bit_length() <= 100 else f"with {value.bit_length()} bits"
    raise ValueError(
        f"{where}: the integer {shown} does not fit Julia's Int64 (-2^63 to 2^63-1); "
        "pass it as a float, a string, or a uint64 numpy array"
    )


def _check_text(value: str, where: str) -> str:
    """``value`` if it is valid Unicode text (no lone surrogates), else a ValueError."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        bad = value[err.start : err.end]
        raise ValueError(
            f"{where}: the string holds {bad!r} at index {err.start}, a lone surrogate, "
            "which UTF-8 (and so Julia) cannot represent"
        ) from None
    return value


def _save_npy(path: Path, a: np.ndarray) -> None:
    """Write ``a`` to ``path`` atomically: the file is complete or absent."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as f:
            np.save(f, a, allow_pickle=False)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _npy_markers(value: Any, found: list[Any]) -> None:
    """Append what every ``{"__npy__": path}`` marker inside ``value`` names to ``found``."""
    if isinstance(value, dict):
        if "__npy__" in value and len(value) == 1:
            found.append(value["__npy__"])
            return
        for item in value.values():
            _npy_markers(item, found)
    elif isinstance(value, list):
        for item in value:
            _npy_markers(item, found)


class ExeSession(JuliaSession):
    """PyRef in a ``julia`` worker process, exchanging JSON lines and .npy files."""

    bridge = "exe"

    def __init__(
        self, exe: str | os.PathLike | None = None, *, startup_timeout: float | None = None
    ) -> None:
        # Checked before anything is started, so a bad value leaves nothing behind.
        timeout = (
            _startup_timeout()
            if startup_timeout is None
            else _check_timeout(startup_timeout, "startup_timeout")
        )
        if exe is None:
            try:
                exe = runtime.which()
            except runtime.JuliaNotFoundError as err:
                raise JuliaBridgeError(str(err)) from None
        self.exe = Path(exe)
        self._dir = Path(tempfile.mkdtemp(prefix="pyref-bridge-"))
        self.log_path = self._dir / "worker.log"
        self._lock = threading.RLock()
        self._next_id = 0
        self._next_file = 0
        self._inputs: list[Path] = []  # .npy files of the request being sent
        self._buffer = bytearray()  # what the worker wrote after the last full line
        self._scanned = 0  # bytes of _buffer known to hold no newline
        self._sent: dict[str, int] = {}  # array digest -> bytes, held by the worker
        # Large arrays written for the request being sent: digest -> (marker, bytes).
        # They count as sent once the worker's answer lists them as cached.
        self._pending: dict[str, tuple[dict[str, str], int]] = {}
        self._pid = os.getpid()
        self._proc: subprocess.Popen[bytes] | None = None
        argv = [
            str(self.exe),
            f"--project={runtime.julia_project_dir()}",
            "--startup-file=no",
            "-e",
            WORKER_CODE,
            str(self._dir),
        ]
        try:
            self.info = self._start(argv, timeout)
        except BaseException:
            # A start that fails leaves nothing behind: no process, no folder.
            self._kill()
            self._cleanup()
            raise

    def _start(self, argv: list[str], timeout: float) -> dict[str, Any]:
        """Start the worker and return its greeting."""
        with open(self.log_path, "wb") as log:
            try:
                # Its own session and process group: a launcher that runs Julia as a
                # child (instead of exec-ing it) is stopped together with that child.
                self._proc = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                    env=runtime.julia_env(), cwd=str(self._dir), start_new_session=True,
                )  # fmt: skip
            except OSError as err:
                raise JuliaBridgeError(
                    f"could not start Julia at {self.exe}: {err}. {runtime.HOW_TO_GET_JULIA}"
                ) from None
        line = self._read_line(time.monotonic() + timeout, "starting PyRef")
        try:
            hello = json.loads(line)
        except ValueError:
            hello = None
        if not isinstance(hello, dict) or not hello.get("ready"):
            text = line.decode("utf-8", errors="replace")
            if len(text) > 300:
                text = text[:300] + "..."
            raise JuliaBridgeError(
                f"the Julia executable {self.exe} did not greet as PyRef's worker: it printed "
                f"{text!r}. Is it Julia (with the PyRef project)? "
                f"Last lines of its log:\n{self._log_tail()}"
            )
        return hello

    # -- plumbing ---------------------------------------------------------------

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no log)"
        tail = [ln for ln in lines if ln.strip()][-LOG_TAIL_LINES:]
        return "\n".join(tail) if tail else "(the log is empty)"

    def _read_line(self, deadline: float | None, what: str) -> bytes:
        """One line from the worker; raises when it dies or ``deadline`` passes.

        Linear in the line's length however many chunks it arrives in: the buffer
        grows in place and only the bytes not yet searched are searched for the newline.
        """
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        buffer = self._buffer
        while True:
            end = buffer.find(b"\n", self._scanned)
            if end >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 1]
                self._scanned = 0
                return line
            self._scanned = len(buffer)
            wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            ready, _, _ = select.select([fd], [], [], wait)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if chunk:
                    buffer += chunk
                    continue
            if proc.poll() is not None or (ready and not chunk):
                code = proc.wait()
                self._kill()  # closes its pipes
                # Before the greeting, the folder (and log) go with the failed start.
                log = f" ({self.log_path})" if hasattr(self, "info") else ""
                raise JuliaWorkerCrashed(
                    f"the Julia worker exited (code {code}) while {what}. "
                    f"Last lines of its log{log}:\n{self._log_tail()}"
                )
            if deadline is not None and time.monotonic() >= deadline:
                raise JuliaBridgeError(
                    f"the Julia worker did not answer within the time limit while {what}; "
                    f"it was stopped. Last lines of its log:\n{self._log_tail()}"
                )

    def _request(self, message: dict[str, Any], what: str, timeout: float | None = None) -> Any:
        with self._lock:
            if self._pid != os.getpid():
                raise JuliaBridgeError(
                    "this Julia session belongs to another process; call session() again"
                )
            if self._proc is None:
                raise JuliaBridgeError("this Julia session is closed; call session() for a new one")
            self._next_id += 1
            message = {"id": self._next_id, **message}
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(json.dumps(message, allow_nan=True).encode("utf-8") + b"\n")
                self._proc.stdin.flush()
                deadline = None if timeout is None else time.monotonic() + timeout
                line = self._read_line(deadline, what)
                try:
                    reply = json.loads(line)
                except ValueError:
                    raise JuliaBridgeError(
                        f"the Julia worker answered {_quote(line)} while {what}, which is not "
                        f"JSON; it was stopped. Last lines of its log:\n{self._log_tail()}"
                    ) from None
            except BrokenPipeError:
                code = self._proc.wait() if self._proc else None
                self._kill()  # closes its pipes
                raise JuliaWorkerCrashed(
                    f"the Julia worker exited (code {code}) before {what}. "
                    f"Last lines of its log:\n{self._log_tail()}"
                ) from None
            except BaseException:
                # Interrupted or timed out mid-call: the worker's answer would arrive
                # out of step with the next request, so the worker goes.
                self._kill()
                raise
            if not isinstance(reply, dict) or reply.get("id") != message["id"]:
                self._kill()
                raise JuliaBridgeError(
                    f"the Julia worker answered {_quote(reply)} to request {message['id']}"
                )
            # Also after an error: what the worker read before it, it keeps.
            self._confirm_cached(reply.get("cached"))
            value = self._decode(reply.get("value"))
            if not reply.get("ok"):
                err = reply.get("error") or {}
                raise julia_error(
                    what, err.get("type", "error"), err.get("message", ""), err.get("trace", "")
                )
            return value

    def _encode(self, value: Any, where: str) -> Any:
        """``value`` as JSON for the worker, arrays written as .npy files."""
        if isinstance(value, np.ndarray):
            return self._encode_array(value, where)
        if isinstance(value, np.generic):
            return self._encode(value.item(), where)
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, int):
            return _check_int(value, where)
        if isinstance(value, str):
            return _check_text(value, where)
        if isinstance(value, os.PathLike):
            return self._encode(os.fspath(value), where)
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise TypeError(f"{where}: dict keys must be strings, not {type(key).__name__}")
                inner = f"{where}[{key!r}]"
                out[_check_text(key, inner)] = self._encode(item, inner)
            return out
        if isinstance(value, (list, tuple)):
            return [self._encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        raise TypeError(f"{where}: cannot pass a {type(value).__name__} to Julia")

    def _encode_array(self, a: np.ndarray, where: str) -> dict[str, str]:
        if a.dtype.kind not in "biuf":
            raise TypeError(
                f"{where}: arrays passed to Julia must hold numbers, not dtype {a.dtype}"
            )
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        key = None
        if a.nbytes >= CACHE_MIN_BYTES:
            digest = hashlib.blake2b(
                np.ascontiguousarray(a).view(np.uint8).reshape(-1), digest_size=16
            )
            digest.update(repr((a.dtype.str, a.shape)).encode())
            key = digest.hexdigest()
            if key in self._sent:
                return {"__cached__": key}
            if key in self._pending:  # the same array again in this request: the same file
                return dict(self._pending[key][0])
            pending = sum(n for _, n in self._pending.values())
            if sum(self._sent.values()) + pending + a.nbytes > CACHE_MAX_BYTES:
                self.forget()
        self._next_file += 1
        path = self._dir / f"a{self._next_file}.npy"
        self._inputs.append(path)  # removed after the request, however it ends
        try:
            _save_npy(path, a)
        except OSError as err:
            raise JuliaBridgeError(
                f"{where}: could not write it for Julia into {self._dir}: {err}"
            ) from err
        marker = {"__npy__": str(path)}
        if key is not None:
            marker["key"] = key
            self._pending[key] = (dict(marker), a.nbytes)
        return marker

    def _decode(self, value: Any) -> Any:
        """The worker's reply value as Python data, its .npy files read and removed.

        Only files directly inside the session's own folder are read or removed: a
        reply naming any other path is refused (and that path left alone).
        """
        named: list[Any] = []
        _npy_markers(value, named)
        own = [self._own_file(text) for text in named]
        try:
            if None in own:
                stranger = named[own.index(None)]
                raise JuliaBridgeError(
                    f"the Julia worker named {stranger!r} as a result file, which is outside "
                    f"this session's folder {self._dir}; it was neither read nor removed"
                )
            return self._load(value)
        finally:
            for path in own:
                if path is not None:
                    path.unlink(missing_ok=True)

    def _own_file(self, text: Any) -> Path | None:
        """``text`` as the path of a .npy file directly inside the session folder, else None."""
        if not isinstance(text, str):
            return None
        path = Path(text)
        if path.parent != self._dir or path.suffix != ".npy" or path.is_symlink():
            return None
        return path

    def _load(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "__npy__" in value and len(value) == 1:
                arr = np.load(value["__npy__"], allow_pickle=False)
                return arr[()] if arr.ndim == 0 else arr
            return {k: self._load(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._load(v) for v in value]
        return value

    def _sweep_inputs(self) -> None:
        """Remove the request's input files (Julia has read them, or never will)."""
        for path in self._inputs:
            path.unlink(missing_ok=True)
        self._inputs.clear()
        self._pending.clear()

    def _confirm_cached(self, keys: Any) -> None:
        """Mark as sent the large arrays the worker's answer says it now holds."""
        for key in keys if isinstance(keys, list) else ():
            if key in self._pending:
                self._sent[key] = self._pending[key][1]

    # -- the interface ------------------------------------------------------------

    def call_with_timeout(
        self, timeout: float | None, name: str, /, *args: Any, **kwargs: Any
    ) -> Any:
        name = _check_name(name)
        with self._lock:
            message = {
                "op": "call",
                "fn": name,
                "args": [self._encode(a, f"{name} argument {i + 1}") for i, a in enumerate(args)],
                "kwargs": {k: self._encode(v, f"{name} keyword {k}") for k, v in kwargs.items()},
            }
            try:
                return self._request(message, f"calling {name}", timeout)
            finally:
                self._sweep_inputs()

    def forget(self) -> None:
        """Drop the large input arrays the worker keeps (they are sent again when needed)."""
        with self._lock:
            self._sent.clear()
            self._request({"op": "forget"}, "emptying the array cache")

    def include(self, path: str | os.PathLike) -> None:
        resolved = Path(path).resolve()
        if not resolved.is_file():
            raise ValueError(f"path: no Julia file at {resolved}")
        self._request({"op": "include", "path": str(resolved)}, f"including {resolved}")

    def eval(self, code: str) -> Any:
        if not isinstance(code, str):
            raise TypeError(f"code must be a string of Julia code, not {type(code).__name__}")
        _check_text(code, "code")
        return self._request({"op": "eval", "code": code}, "evaluating Julia code")

    def assign(self, name: str, value: Any) -> None:
        _check_variable(name)
        with self._lock:
            try:
                message = {"op": "assign", "name": name, "value": self._encode(value, name)}
                self._request(message, f"assigning {name}")
            finally:
                self._sweep_inputs()

    @property
    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self._proc is not None and self._proc.poll() is None

    def _kill(self) -> None:
        """Stop the worker at once, with whatever it started, and close its pipes."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop(proc)

    def _cleanup(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def close(self) -> None:
        if self._pid != os.getpid():
            return  # a forked child must not stop its parent's worker
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is not None:
                if proc.poll() is None:
                    with contextlib.suppress(OSError, ValueError):
                        assert proc.stdin is not None
                        proc.stdin.write(b'{"op":"quit"}\n')
                        proc.stdin.close()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=10)
                _stop(proc)
            self._cleanup()

    def __repr__(self) -> str:
        state = f"pid {self._proc.pid}" if self.alive and self._proc else "closed"
        return f"<ExeSession {self.exe} ({state})>"


# ---------------------------------------------------------------------------
# The juliacall bridge
# ---------------------------------------------------------------------------


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
                f"juliacall could not start Julia: {runtime._one_line(str(err) or type(err).__name__)}. "
                + HOW_TO_JULIACALL
            ) from None
        project = str(runtime.julia_project_dir())
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
        name = _check_name(name)
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
        _check_variable(name)
        self._jl.PyRefJuliacall.assign(name, value)

    def _translate(self, name: str, err: Exception) -> Exception:
        exc = getattr(err, "exception", None)  # juliacall's JuliaError carries the Julia exception
        if exc is None:
            return err
        julia_type = str(self._jl.seval("e -> string(nameof(typeof(e)))")(exc))
        message = str(self._jl.seval("e -> sprint(showerror, e)")(exc))
        return julia_error(f"calling {name}", julia_type, message)


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
