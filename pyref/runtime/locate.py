"""Find and launch the Julia that runs PyRef, the Julia twin of pyref.

PyRef needs nothing beyond Julia's standard library, but a Julia has to come from
somewhere. In order of preference:

1. ``$PYREF_JULIA``: an explicit executable chosen by the user (it must exist);
2. the project-local runtime written by ``pyref julia install``
   (:mod:`pyref.runtime.install`), whose launcher is :func:`launcher_path`;
3. ``julia`` on ``PATH``.

The runtime folder is ``<repo>/.julia-runtime`` in a writable checkout, else
``~/.cache/pyref/julia-runtime``; its ``depot/`` is JULIA_DEPOT_PATH for pyref's
Julia processes. :func:`julia_command` and :func:`julia_env` give the argv and the
environment every Julia that pyref starts runs with.

Environment variables: ``PYREF_JULIA`` (julia executable to use),
``PYREF_JULIA_PROJECT`` (the Julia project, default ``<repo>/julia``) and
``JULIA_DEPOT_PATH`` (kept when set).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

ENV_JULIA = "PYREF_JULIA"
ENV_PROJECT = "PYREF_JULIA_PROJECT"
ENV_VECTORS_DIR = "PYREF_VECTORS_DIR"

#: The Julia snippet that proves an executable works well enough for PyRef.
VERIFY_SNIPPET = "using LinearAlgebra; print(VERSION)"

#: Time limits (seconds) of the subprocesses verify() and install() run.
TIMEOUTS = {"update": 300, "download": 900, "unpack": 300, "verify": 300, "query": 30}

HOW_TO_GET_JULIA = (
    "To get Julia: run `pyref julia install` (on Debian/Ubuntu it fetches Julia 1.5 from "
    "the host's Debian mirror into the project, no root needed); or set PYREF_JULIA to "
    "a julia executable (1.5 or newer), or put `julia` on PATH; where the internet is "
    "reachable, `pip install juliacall` installs Julia by itself."
)


class JuliaNotFoundError(RuntimeError):
    """No usable Julia: none was found, the chosen one is broken, or install failed.

    The message is one paragraph that says what went wrong and how to get Julia,
    so the CLI can print it as a single line without a traceback.
    """


# --------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------


def julia_project_dir() -> Path:
    """The Julia project PyRef lives in: ``$PYREF_JULIA_PROJECT`` or ``<repo>/julia``."""
    override = os.environ.get(ENV_PROJECT)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "julia"


def _is_writable_checkout(root: Path) -> bool:
    """Whether `root` looks like a source checkout we may write a runtime into."""
    marked = (root / ".git").exists() or (root / "pyproject.toml").is_file()
    return marked and os.access(root, os.W_OK | os.X_OK)


def runtime_dir() -> Path:
    """Folder of the project-local runtime (may not exist yet).

    ``<repo>/.julia-runtime`` (git-ignored) when the Julia project sits in a
    writable checkout, so each checkout carries its own runtime; otherwise the
    user cache, ``$XDG_CACHE_HOME/pyref/julia-runtime`` (``~/.cache`` by default).
    """
    root = julia_project_dir().parent
    if _is_writable_checkout(root):
        return root / ".julia-runtime"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "pyref" / "julia-runtime"


def launcher_path() -> Path:
    """Launcher script of the project-local runtime; it exists iff the install completed."""
    return runtime_dir() / "bin" / "julia"


def depot_dir() -> Path:
    """JULIA_DEPOT_PATH used unless the user set one, so ~/.julia stays untouched."""
    return runtime_dir() / "depot"


def is_executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def which() -> Path:
    """The julia executable pyref will use.

    Order: ``$PYREF_JULIA`` (must exist), the project-local runtime's launcher,
    ``julia`` on PATH. Raises JuliaNotFoundError when none is available.
    """
    explicit = os.environ.get(ENV_JULIA)
    if explicit:
        candidate = Path(explicit).expanduser()
        if os.sep not in explicit and not candidate.exists():
            found = shutil.which(explicit)
            candidate = Path(found) if found else candidate
        if not is_executable_file(candidate):
            raise JuliaNotFoundError(
                f"PYREF_JULIA is set to {explicit!r}, but that is not an executable file. "
                "Point PYREF_JULIA at a julia executable, or unset it to use the "
                "project-local runtime or `julia` on PATH. " + HOW_TO_GET_JULIA
            )
        return candidate.absolute()
    launcher = launcher_path()
    if is_executable_file(launcher):
        return launcher
    found = shutil.which("julia")
    if found:
        return Path(found).absolute()
    raise JuliaNotFoundError(
        f"No Julia found (PYREF_JULIA is unset, no runtime at {launcher}, no `julia` on "
        "PATH). " + HOW_TO_GET_JULIA
    )


def julia_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for launching Julia: `base` (default os.environ) plus a private depot
    and the numpy math mode.

    JULIA_DEPOT_PATH is pointed into the runtime folder unless already set, so
    pyref's compiled caches and logs never land in the user's ~/.julia.
    PYREF_NUMPY_MATH and PYREF_NUMPY_TANH, unless already set, tell PyRef which
    exp/log/power and tanh code the numpy in this process runs (SVML and SIMD
    kernels, or the C library; see pyref.runtime.mathmode), so that Julia matches it;
    PYREF_NUMPY_BLAS_* name numpy's OpenBLAS, its kernels and threads, for matrix
    products bit for bit (pyref.runtime.numpyblas; PYREF_JULIA_BLAS=native declines).
    """
    from pyref.allocator import child_env
    from pyref.runtime import mathmode, numpyblas

    env = child_env(dict(os.environ if base is None else base))
    if not env.get("JULIA_DEPOT_PATH"):
        env["JULIA_DEPOT_PATH"] = str(depot_dir())
    if not (env.get(mathmode.ENV_MATH) and env.get(mathmode.ENV_TANH)):
        for name, value in mathmode.julia_math_env().items():
            if not env.get(name):
                env[name] = value
    if not env.get(numpyblas.ENV_LIB):
        env.update(numpyblas.julia_blas_env(env.get(numpyblas.ENV_MODE) or None))
    return env


def julia_command(*args: str) -> list[str]:
    """argv to run Julia on PyRef's project: ``[julia, --project=..., --startup-file=no, *args]``.

    Run it with ``env=julia_env()``.
    """
    return [str(which()), f"--project={julia_project_dir()}", "--startup-file=no", *args]


# --------------------------------------------------------------------------
# Running tools, checking a Julia
# --------------------------------------------------------------------------


def one_line(text: str, limit: int = 400) -> str:
    """`text` squeezed to one line, keeping its end (where tools put the error)."""
    squeezed = " ".join(text.split())
    return squeezed if len(squeezed) <= limit else "..." + squeezed[-limit:]


def run_tool(
    argv: Sequence[str],
    *,
    what: str,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `argv`, capturing output; any failure becomes a JuliaNotFoundError about `what`."""
    try:
        proc = subprocess.run(
            list(argv),
            env=env,
            cwd=None if cwd is None else str(cwd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise JuliaNotFoundError(
            f"{what} did not finish within {timeout:.0f} s. " + HOW_TO_GET_JULIA
        ) from None
    except OSError as err:
        raise JuliaNotFoundError(f"{what} could not start: {err}. " + HOW_TO_GET_JULIA) from None
    if proc.returncode != 0:
        detail = one_line(proc.stderr or proc.stdout) or "no output"
        raise JuliaNotFoundError(
            f"{what} failed (exit code {proc.returncode}): {detail}. " + HOW_TO_GET_JULIA
        )
    return proc


def verify(exe: Path, env: dict[str, str] | None = None) -> str:
    """Check that `exe` runs Julia with LinearAlgebra; return its version string."""
    proc = run_tool(
        [str(exe), "--startup-file=no", "-e", VERIFY_SNIPPET],
        what=f"checking Julia at {exe}",
        timeout=TIMEOUTS["verify"],
        env=julia_env() if env is None else env,
    )
    version = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if not re.fullmatch(r"\d+\.\d+\.\d+\S*", version):
        raise JuliaNotFoundError(
            f"checking Julia at {exe} printed {proc.stdout.strip()!r} instead of a version. "
            + HOW_TO_GET_JULIA
        )
    return version
