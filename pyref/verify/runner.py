"""Running port files: load them into Julia, run every check there and here, judge.

:func:`verify` is what ``pyref verify`` does: it starts a Julia session of its own,
includes each port file into a module of its own (``PyRef.Verify.load_port``), builds
each registered check's case with :mod:`pyref.verify.cases`, runs the port on the
case's inputs (``PyRef.Verify.run_check``) and judges the outputs with
:func:`pyref.verify.verdict.judge`.
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyref.checks import check_positive, check_positive_int
from pyref.rng import check_seed
from pyref.verify.cases import CaseError, build_case
from pyref.verify.verdict import Verdict, judge

#: ``--steps``' default: enough for a multi-step bug (a velocity skipped from step 1).
DEFAULT_STEPS = 10
#: ``--timeout``'s default: seconds one check may take in Julia, compilation included.
DEFAULT_TIMEOUT = 300.0
#: ``--steps``' upper limit: a check keeps every step's outputs in memory.
MAX_STEPS = 10_000


class VerifyUsageError(ValueError):
    """A port file cannot be loaded or registers something the reference cannot run."""


@dataclass
class CheckResult:
    """One registered check of a port file, and its verdict."""

    label: str
    kind: str
    component: str
    file: str
    verdict: Verdict
    seconds: float = 0.0
    steps: int = 0
    settings: dict[str, Any] = field(default_factory=dict)


def _check_files(files: Sequence[str | os.PathLike]) -> list[Path]:
    if not files:
        raise VerifyUsageError("give at least one port file (PORT.jl)")
    paths = []
    for f in files:
        path = Path(f)
        if not path.is_file():
            raise VerifyUsageError(f"port file {f} does not exist")
        if path.suffix != ".jl":
            raise VerifyUsageError(f"port file {f} is not a Julia file (.jl)")
        paths.append(Path(os.path.abspath(path)))
    return paths


def load_ports(sess: Any, files: Sequence[Path]) -> list[dict[str, Any]]:
    """Include every port file into Julia and return the checks they registered."""
    from pyref.runtime.interface import JuliaError

    sess.call("PyRef.Verify.clear!")
    checks: list[dict[str, Any]] = []
    for path in files:
        try:
            registered = sess.call("PyRef.Verify.load_port", str(path))
        except JuliaError as err:
            lines = (err.julia_message or str(err)).strip().splitlines() or [""]
            message = lines[0].removeprefix(f"{err.julia_type}: ")
            if not message.startswith(str(path)):
                message = f"{path}: {message}"
            raise VerifyUsageError(message) from err
        if not registered:
            raise VerifyUsageError(
                f"{path} registers no check: call verify_optimizer, verify_layer, "
                "verify_function, verify_net or verify_training (see docs/verify.md)"
            )
        checks.extend(registered)
    return checks


def select(checks: list[dict[str, Any]], only: Sequence[str]) -> list[dict[str, Any]]:
    """The checks whose label matches one of the globs ``only`` (all when empty)."""
    if not only:
        return checks
    chosen = [c for c in checks if any(fnmatch.fnmatchcase(c["label"], g) for g in only)]
    if not chosen:
        labels = ", ".join(c["label"] for c in checks)
        raise VerifyUsageError(f"--only {' '.join(only)} matches no check (the checks: {labels})")
    return chosen


def run_check(
    sess: Any, check: dict[str, Any], steps: int, seed: int, timeout: float | None = None
) -> CheckResult:
    """Build one check's case, run the port on it in Julia and judge its outputs.

    Raises:
        JuliaBridgeError: the port gave no answer within ``timeout`` seconds, or the
            Julia worker died (the session is then unusable).
    """
    start = time.perf_counter()
    try:
        case = build_case(check["kind"], check["component"], check["settings"], steps, seed)
    except CaseError as err:
        raise VerifyUsageError(f"{check['file']}: {check['label']}: {err}") from err
    answer = sess.call_with_timeout(timeout, "PyRef.Verify.run_check", check["label"], case.inputs)
    if answer["ok"]:
        verdict = judge(case.outputs, answer["steps"])
    else:
        verdict = Verdict("error", error=answer["error"])
    return _result(check, verdict, time.perf_counter() - start, steps)


def _result(check: dict[str, Any], verdict: Verdict, seconds: float, steps: int) -> CheckResult:
    """One check's result: its registration, its verdict and what it took."""
    return CheckResult(
        check["label"],
        check["kind"],
        check["component"],
        check["file"],
        verdict,
        seconds,
        steps,
        check["settings"],
    )


def verify(
    files: Sequence[str | os.PathLike],
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    only: Sequence[str] = (),
    on_result: Callable[[CheckResult], None] | None = None,
    session: Any = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> list[CheckResult]:
    """Check every port registered by ``files`` against the book.

    Args:
        files: Julia port files, each calling ``PyRef.Verify``'s ``verify_*``.
        steps: steps per check (updates, passes, minibatches), 1 to :data:`MAX_STEPS`.
        seed: the seed of numpy's streams (inputs, and the components' own draws).
        only: globs over the checks' labels; empty runs every check.
        on_result: called with each result as it is judged (progress).
        session: a Julia session to use; by default one of its own, closed at the end.
        timeout: seconds a check may take in Julia (None: no limit); a check that takes
            longer, or kills the worker, is an ``error`` and the others run in a new
            worker (with a session of its own only; a given one raises).

    Returns:
        One :class:`CheckResult` per check, in the order the files registered them.

    Raises:
        VerifyUsageError: a file is missing, cannot be loaded or registers nothing,
            ``only`` matches nothing, or a check's settings are not the book's.
    """
    steps = check_positive_int("steps", steps)
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be at most {MAX_STEPS}, got {steps}")
    seed = check_seed("seed", seed)
    paths = _check_files(files)
    if timeout is not None:
        timeout = check_positive("timeout", timeout)
    from pyref.runtime.interface import JuliaBridgeError
    from pyref.runtime.session import start_session

    own = session is None
    if own:
        session = start_session()
    try:
        chosen = select(load_ports(session, paths), only)
        results = []
        for check in chosen:
            try:
                result = run_check(session, check, steps, seed, timeout)
            except JuliaBridgeError as err:
                if not own:
                    raise
                # A port that hangs or kills Julia is that check's verdict; the others
                # run in a new worker.
                error = {"type": type(err).__name__, "message": str(err), "frames": []}
                result = _result(check, Verdict("error", error=error), 0.0, steps)
                session.close()
                session = start_session()
                load_ports(session, paths)
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results
    finally:
        if own:
            session.close()
