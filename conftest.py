"""Shared pytest fixtures.

Tests that need Julia take the ``julia_exe`` fixture. Where no Julia can be found
they are skipped with the reason, unless ``PYREF_REQUIRE_JULIA=1`` (set it in CI
and wherever Julia is meant to be present), in which case they fail: a missing
Julia must not silently turn a parity run green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_JULIA_ENV = "PYREF_REQUIRE_JULIA"

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Workers share the cores: one OpenBLAS thread each (and in every process they
    # start, Julia included), or their spinning threads slow each other down several
    # times. numpy is not loaded yet. Both languages read the same setting, so numpy-BLAS
    # parity is unchanged.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def julia_required() -> bool:
    """Whether the environment demands Julia (``PYREF_REQUIRE_JULIA`` is 1/true/yes)."""
    return os.environ.get(REQUIRE_JULIA_ENV, "").strip().lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip the current test with `reason`, or fail it when Julia is required."""
    if julia_required():
        pytest.fail(f"{reason} ({REQUIRE_JULIA_ENV}=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def julia_exe() -> Path:
    """A working julia executable, as pyref resolves it (PYREF_JULIA, runtime, PATH).

    It is checked once per session by running ``using LinearAlgebra``; when there
    is none, or it does not work, dependent tests skip (or fail, see above).
    """
    from pyref.runtime import locate

    try:
        exe = locate.which()
        locate.verify(exe)
    except locate.JuliaNotFoundError as err:
        skip_or_fail(f"no working Julia: {err}")
    return exe


@pytest.fixture(scope="session")
def _shared_julia_session(julia_exe: Path):
    """Stops the process's shared Julia session when the test run ends."""
    from pyref.runtime import close_session

    yield
    close_session()


@pytest.fixture
def julia_session(_shared_julia_session):
    """The shared Julia session (pyref.runtime.session(): the bridge PYREF_JULIA_BRIDGE
    names, else the automatic choice): one worker for the whole run, replaced if a
    test stopped it."""
    from pyref.runtime import JuliaBridgeError, session

    try:
        return session()
    except JuliaBridgeError as err:
        skip_or_fail(f"no Julia session: {err}")
