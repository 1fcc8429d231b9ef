"""Running the harness through Julia: the only module of :mod:`pyref.parity` that
talks to Julia.

:func:`run_scenario` and :func:`run_suite` run each scenario's Python side and its
Julia side (through a :mod:`pyref.runtime` session) and compare them
(:mod:`pyref.parity.compare`); :func:`environment_info` asks both sides what the
results depend on; :func:`run_julia_tests` runs PyRef's own tests against numpy's
test vectors (:mod:`pyref.parity.numpy_vectors`).

In ``numpy`` BLAS mode (the default wherever numpy runs on OpenBLAS) PyRef's matrix
products go through numpy's own OpenBLAS with numpy's call, so every output is
compared ``exact``; in ``native`` mode (Julia's own BLAS) each output is compared
under the tier it declares (:mod:`pyref.parity.tiers`).
"""

from __future__ import annotations

import sys
import tempfile
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyref.parity.compare import ScenarioResult, compare_outputs
from pyref.parity.frames import julia_frames, python_frames
from pyref.parity.numpy_vectors import write_numpy_vectors
from pyref.parity.registry import describe_error
from pyref.parity.scenario import Scenario
from pyref.runtime import JuliaBridgeError, JuliaError, kept, locate, mathmode, numpyblas

#: The Julia function that calls a scenario's Julia side and checks it returned a Dict.
OUTPUTS = "PyRef.Scenarios.outputs"
#: The Julia files each session has loaded for scenarios' ``julia_files``, by
#: session (held here, not on the session: the runtime knows nothing of the harness).
_INCLUDED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def use_blas(session: Any, mode: str | None = None) -> dict[str, Any]:
    """PyRef's matrix products in ``session`` switched to ``mode`` (see
    :meth:`pyref.runtime.interface.JuliaSession.use_blas`)."""
    return session.use_blas(mode)


def run_scenario(scenario: Scenario, session: Any, *, strict: bool | None = None) -> ScenarioResult:
    """Run both sides of ``scenario`` and compare them; a Julia error is a failure
    with its message and the frames of users' files it passed through, not an
    exception (a broken bridge still raises), and so is a side that returns
    anything but a dict of named outputs (the report names the side and the type).

    ``strict`` compares every output ``exact`` (numpy's BLAS on both sides); None
    asks the session which BLAS it runs."""
    if strict is None:
        strict = use_blas(session).get("mode") == "numpy"
    blas = "numpy" if strict else "native"

    def failed(
        error: str,
        python_seconds: float = 0.0,
        julia_seconds: float = 0.0,
        frames: Sequence[str] = (),
    ) -> ScenarioResult:
        return ScenarioResult(
            scenario, [], python_seconds, julia_seconds, error=error, blas=blas, frames=list(frames)
        )

    # A scenario's own mistakes (a missing or broken .jl file, an exception on the
    # Python side) are its ERROR row, as Julia's errors are; a broken bridge raises.
    try:
        for path in scenario.julia_files:
            _include_once(session, path)
    except JuliaBridgeError:
        raise
    except Exception as err:
        return failed(f"julia_files: {_one_line(err)}", frames=julia_frames(err))
    started = time.perf_counter()
    try:
        kwargs = scenario.arguments()
        py = scenario.python(**kwargs)
    except JuliaBridgeError:
        raise
    except Exception as err:
        return failed(
            f"the Python side raised {describe_error(err)}",
            time.perf_counter() - started,
            frames=python_frames(err.__traceback__),
        )
    python_seconds = time.perf_counter() - started
    if not isinstance(py, dict):
        return failed(
            f"the Python side returned {_python_type(py)}, not a dict of named outputs",
            python_seconds,
        )
    started = time.perf_counter()
    try:
        answer = session.call(OUTPUTS, scenario.julia, **kwargs)
    except JuliaBridgeError:
        raise
    except JuliaError as err:
        text = _one_line(err.julia_message or str(err))
        if not text.startswith(err.julia_type):
            text = f"{err.julia_type}: {text}"
        return failed(
            f"the Julia side raised {text}",
            python_seconds,
            time.perf_counter() - started,
            frames=julia_frames(err),
        )
    julia_seconds = time.perf_counter() - started
    if not answer["ok"]:
        return failed(
            f"the Julia side returned {answer['returned']}, not a Dict of named outputs",
            python_seconds,
            julia_seconds,
        )
    comparisons = compare_outputs(scenario, py, answer["outputs"], strict=strict)
    return ScenarioResult(scenario, comparisons, python_seconds, julia_seconds, blas=blas)


def _python_type(value: Any) -> str:
    """The type of ``value`` as a reader writes it: ``list``, ``numpy.ndarray``, ``None``."""
    if value is None:
        return "None"
    kind = type(value)
    module = kind.__module__
    return (
        kind.__qualname__ if module == "builtins" else f"{module.split('.')[0]}.{kind.__qualname__}"
    )


def _one_line(err: BaseException | str, limit: int = 400) -> str:
    """An exception's message (or a message) as one line: its lines joined (a Julia
    LoadError's second names the file and line), cut at ``limit`` characters."""
    text = "; ".join(ln.strip() for ln in str(err).strip().splitlines() if ln.strip())
    text = text or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _include_once(session: Any, path: str) -> None:
    """Load the Julia file at ``path`` into ``session`` unless it was loaded there already."""
    loaded = _INCLUDED.setdefault(session, set())
    resolved = str(Path(path).resolve())
    if resolved not in loaded:
        session.include(resolved)
        loaded.add(resolved)


def run_suite(
    scenarios: Sequence[Scenario],
    session: Any,
    *,
    progress: bool = False,
    blas: str | None = None,
) -> list[ScenarioResult]:
    """Every scenario in order, through one session; a tqdm bar with ``progress``.

    ``blas`` (``numpy`` or ``native``) switches the session's matrix products first
    (see :func:`use_blas`); in ``numpy`` mode every output is compared ``exact``."""
    strict = use_blas(session, blas).get("mode") == "numpy"
    items: Any = scenarios
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(scenarios, desc="parity", unit="scenario", leave=False)
        items = bar
    results = []
    for sc in items:
        if bar is not None:
            bar.set_postfix_str(sc.name)
        results.append(run_scenario(sc, session, strict=strict))
    return results


def environment_info(session: Any, matmul: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the results depend on: versions, bridge, math kernels, BLAS on each side.

    ``matmul`` is :func:`use_blas`'s answer (asked here when not given)."""
    import platform

    import pyref

    info: dict[str, Any] = {
        "pyref": pyref.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "bridge": getattr(session, "bridge", "?"),
        "julia": session.info.get("julia_version", "?"),
    }
    try:
        mode = mathmode.numpy_math()
        info["numpy_math"] = f"exp/log/power {mode.math}, tanh {mode.tanh}"
    except mathmode.NumpyMathError as err:
        info["numpy_math"] = f"unknown ({err})"
    julia_mode = session.info.get("numpy_math")
    if isinstance(julia_mode, dict):
        info["julia_math"] = (
            f"exp/log/power {julia_mode.get('math')}, tanh {julia_mode.get('tanh')}"
        )
    try:
        nb = numpyblas.numpy_blas()
        info["numpy_blas"] = (
            f"OpenBLAS {nb.version}, {nb.core} kernels, "
            f"{numpyblas.current_threads()} thread(s): {nb.path}"
        )
    except numpyblas.NumpyBlasError as err:
        info["numpy_blas"] = str(err)
    if matmul is None:
        try:
            matmul = use_blas(session)
        except numpyblas.NumpyBlasError as err:
            matmul = {"mode": "error", "error": str(err)}
    if matmul.get("mode") == "numpy":
        info["julia_blas"] = (
            f"numpy's OpenBLAS (the same file), {matmul.get('core')} kernels, "
            f"{matmul.get('threads')} thread(s): every output compared exact"
        )
    elif matmul.get("mode") == "native":
        reason = matmul.get("reason") or ""
        info["julia_blas"] = (
            f"Julia's own ({matmul.get('library')}), {matmul.get('threads')} "
            f"thread(s): outputs compared under their declared tiers"
            + (f" [{reason}]" if reason and reason != "chosen" else "")
        )
    else:
        info["julia_blas"] = f"unusable: {matmul.get('error')}"
    return info


def run_julia_tests(args: Sequence[str]) -> int:
    """Run ``julia/test/runtests.jl`` with the resolved Julia; return its exit code.

    The numpy-produced test vectors (:func:`write_numpy_vectors`) are written into a
    temporary directory first, which Julia finds through ``$PYREF_VECTORS_DIR``.
    """
    runtests = locate.julia_project_dir() / "test" / "runtests.jl"
    argv = locate.julia_command(str(runtests), *args)  # resolves Julia first: clear error if none
    if not runtests.is_file():
        print(f"pyref: no Julia test script at {runtests}", file=sys.stderr)
        return 2
    env = locate.julia_env()
    with tempfile.TemporaryDirectory(prefix="pyref-vectors-") as vectors_dir:
        print(f"pyref julia: writing numpy test vectors to {vectors_dir}", file=sys.stderr)
        write_numpy_vectors(Path(vectors_dir))
        env[locate.ENV_VECTORS_DIR] = vectors_dir
        returncode = kept.run(argv, env=env, folder=vectors_dir).returncode
    return 128 - returncode if returncode < 0 else returncode
