"""Faults of the executable bridge, each with the behaviour that fixes it.

Tests that need Julia share one worker (the ``julia_session`` fixture); the ones
about starting, killing and cleaning up use small fake ``julia`` scripts, which
start in milliseconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pytest

from pyref.julia import bridge
from pyref.julia.bridge import (
    ExeSession,
    JuliaBridgeError,
    start_session,
)

REPO = Path(__file__).resolve().parents[2]
BIG = bridge.CACHE_MIN_BYTES // 8 + 1000  # float64 elements: an array the worker caches


# -- helpers ------------------------------------------------------------------------


def fake_julia(folder: Path, body: str, shebang: str = "/bin/sh") -> Path:
    """An executable named julia in `folder` that runs `body` instead of Julia."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "julia"
    exe.write_text(f"#!{shebang}\n{body}\n")
    exe.chmod(0o755)
    return exe


GREET_THEN_HANG = """echo '{"ready": true, "pid": '$$'}'\nexec sleep 30"""
GREET_THEN_READ = """echo '{"ready": true, "pid": '$$'}'\nexec cat >/dev/null"""


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A temporary-files folder of the test's own, so leftovers can be counted."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def bridge_folders(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.glob("pyref-bridge-*"))


def running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until(predicate, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# -- M7: an invalid startup timeout starts nothing -----------------------------------


def test_an_invalid_startup_timeout_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_tmp: Path
) -> None:
    marker = tmp_path / "started"
    exe = fake_julia(tmp_path / "bin", f'touch "{marker}"\n{GREET_THEN_HANG}')
    monkeypatch.setenv("PYREF_JULIA", str(exe))
    for text in ("abc", "-1", "0", "nan", "inf"):
        monkeypatch.setenv(bridge.ENV_STARTUP_TIMEOUT, text)
        with pytest.raises(ValueError, match=bridge.ENV_STARTUP_TIMEOUT) as info:
            start_session("exe")
        assert isinstance(info.value, JuliaBridgeError)
        assert bridge_folders(private_tmp) == [], text
    with pytest.raises(ValueError, match="startup_timeout"):
        ExeSession(exe, startup_timeout=-2.0)
    time.sleep(0.3)
    assert not marker.exists(), "a worker was started"


# -- L11: large replies are read in linear time --------------------------------------


def test_a_large_line_is_read_in_linear_time(tmp_path: Path) -> None:
    size = 48 << 20
    body = f"""
import os, sys
line = b'{{"ready": true, "pad": "' + b"x" * {size} + b'"}}\\n'
out = sys.stdout.buffer
for i in range(0, len(line), 1 << 16):
    out.write(line[i : i + (1 << 16)])
    out.flush()
sys.stdin.read()
"""
    exe = fake_julia(tmp_path / "bin", body, shebang=sys.executable)
    started = time.monotonic()
    s = ExeSession(exe)
    elapsed = time.monotonic() - started
    try:
        assert len(s.info["pad"]) == size
    finally:
        s.close()
    # Linear reading takes well under a second here; rescanning the buffer on every
    # 64 KiB chunk took over 20 s.
    assert elapsed < 6.0, f"reading a {size >> 20} MB line took {elapsed:.1f} s"
