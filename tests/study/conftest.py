"""Fixtures of the study tests: reference studies, each run once per session (every
test only reads them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from study_helpers import (
    SLOW,
    TINY,
    run_inprocess,
)


@pytest.fixture(scope="session")
def tiny_reference(tmp_path_factory) -> Path:
    """The TINY per-trial study, run in this process by one worker."""
    out = tmp_path_factory.mktemp("tiny-ref")
    assert run_inprocess([*TINY, "--stream", "per-trial", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def slow_reference(tmp_path_factory) -> Path:
    """The SLOW per-trial study, uninterrupted, one worker."""
    out = tmp_path_factory.mktemp("slow-ref")
    assert run_inprocess([*SLOW, "--stream", "per-trial", "--out", str(out)]) == 0
    return out
