"""The executable bridge (``exe``): PyRef in a persistent ``julia`` worker process.

The ``julia`` executable (as :mod:`pyref.runtime.locate` finds it) runs as a
worker serving ``PyRef.Bridge.serve`` (julia/src/bridge/bridge.jl). Requests and
answers are JSON lines over its stdin/stdout; arrays travel as .npy files in a
private temporary folder (numpy writes C order, PyRef writes Fortran order, and
both read either, so indices mean the same on both sides). Large inputs, such as a
data set, cross once and are then named by their digest. Julia's own prints and
errors go to a log file, whose tail is shown if the worker dies.

The worker never outlives this process: it runs under a keeper
(:mod:`pyref.runtime.keeper`, the leader of its process group), which kills it,
and removes the folder, within a second of this process's end however it ends,
SIGKILL included. The folder is named ``pyref-bridge-<pid>-<random>`` and locked
while its owner and worker live (:mod:`pyref.tempdirs`); a new session first
removes the folders of owners that are gone.

Nothing here waits forever: a missing Julia fails at once, a broken one as soon as
it exits, a worker that does not come up within ``PYREF_JULIA_STARTUP_TIMEOUT``
seconds (default 300: the first start precompiles PyRef) is killed, and a worker
that dies during a call is reported as soon as it is gone.

Longer than 500 lines because it is one class, the session, whose requests, array
files, start-up and clean-up share the worker's state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pyref.runtime import kept, locate
from pyref.runtime.interface import (
    JuliaBridgeConfigError,
    JuliaBridgeError,
    JuliaSession,
    JuliaWorkerCrashed,
    check_name,
    check_variable,
    julia_error,
)
from pyref.tempdirs import BRIDGE_PREFIX, owned_dir

ENV_STARTUP_TIMEOUT = "PYREF_JULIA_STARTUP_TIMEOUT"
DEFAULT_STARTUP_TIMEOUT = 300.0
#: Arrays at least this large are cached by the worker and sent only once.
CACHE_MIN_BYTES = 1 << 16
#: When the worker's cache would hold more than this, it is emptied first.
CACHE_MAX_BYTES = 1 << 30
#: Lines of the worker's log quoted when it dies.
LOG_TAIL_LINES = 25

#: The Julia code the worker runs: load PyRef, answer requests (ARGS[1]: the shared folder).
WORKER_CODE = "using PyRef; PyRef.Bridge.serve(ARGS[1])"
#: The prefix of the sessions' folders (pyref-bridge-<pid>-<random>).
FOLDER_PREFIX = BRIDGE_PREFIX


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
                exe = locate.which()
            except locate.JuliaNotFoundError as err:
                raise JuliaBridgeError(str(err)) from None
        self.exe = Path(exe)
        self._folder = owned_dir(FOLDER_PREFIX)
        self._dir = self._folder.path
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
            f"--project={locate.julia_project_dir()}",
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
        """Start the worker, under its keeper, and return its greeting."""
        found = shutil.which(argv[0])
        if found is None or os.path.isdir(found):
            raise JuliaBridgeError(
                f"could not start Julia at {self.exe}: no executable file there. "
                f"{locate.HOW_TO_GET_JULIA}"
            )
        with open(self.log_path, "wb") as log:
            try:
                # Its own session and process group, the keeper's: a launcher that runs
                # Julia as a child (instead of exec-ing it) is stopped with that child.
                # The folder's lock goes along, so the folder stays while they run.
                self._proc = kept.popen(
                    [found, *argv[1:]],
                    folder=self._dir,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    env=locate.julia_env(),
                    cwd=str(self._dir),
                    pass_fds=(self._folder.lock_fd,),
                )
            except OSError as err:
                raise JuliaBridgeError(
                    f"could not start Julia at {self.exe}: {err}. {locate.HOW_TO_GET_JULIA}"
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
                raise JuliaWorkerCrashed(
                    f"the Julia worker exited (code {code}) while {what}",
                    self._log_tail(),
                    log_path=self.log_path if hasattr(self, "info") else None,
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
                    f"the Julia worker exited (code {code}) before {what}",
                    self._log_tail(),
                    log_path=self.log_path,
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
                    what,
                    err.get("type", "error"),
                    err.get("message", ""),
                    err.get("trace", ""),
                    err.get("frames") or (),
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
        name = check_name(name)
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
        check_variable(name)
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
            kept.stop(proc)

    def _cleanup(self) -> None:
        self._folder.remove()

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
                kept.stop(proc)
            self._cleanup()

    def __repr__(self) -> str:
        state = f"pid {self._proc.pid}" if self.alive and self._proc else "closed"
        return f"<ExeSession {self.exe} ({state})>"
