"""Faults of stopping a command (pyref.interrupt, and the Julia worker's keeper behind
every command): SIGTERM stops it as Ctrl-C does, with exit code 143 and one line; a
command stopped by SIGINT, SIGTERM or SIGKILL leaves no Julia process running
(polled for up to 5 s) and, once the next session has started, no bridge folder.

The commands run as processes of their own (tests/faults/processes.py), with real
Julia workers, stopped while Julia computes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from processes import (
    cmdline,
    folders,
    julia_workers,
    kill_leftovers,
    processes_naming,
    processes_of,
    start_pyref,
    stop,
    wait_until,
)

from pyref import interrupt
from pyref.runtime.exe import FOLDER_PREFIX, ExeSession

GREET_THEN_READ = """echo '{"ready": true}'\nexec cat >/dev/null"""


# -- SIGTERM raises Terminated, a KeyboardInterrupt, once -----------------------------


def test_sigterm_raises_terminated_once_and_maps_to_143() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(interrupt.Terminated) as info:
        with interrupt.sigterm_as_interrupt():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)  # the handler raises here
            finally:
                # A second SIGTERM, during the first one's clean-up, does not break it off.
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.1)
    assert signal.getsignal(signal.SIGTERM) is previous  # the block's handler is gone
    assert isinstance(info.value, KeyboardInterrupt)
    assert interrupt.exit_code(info.value) == 143
    assert interrupt.describe(info.value) == "terminated (SIGTERM)"
    assert interrupt.exit_code(KeyboardInterrupt()) == 130
    assert interrupt.describe(KeyboardInterrupt()) == "interrupted"


# -- the commands, stopped while Julia computes ----------------------------------------


def computing(tmp: Path) -> bool:
    """A request is in flight: its input arrays wait in a bridge folder."""
    return any(tmp.glob(f"{FOLDER_PREFIX}*/*.npy")) and bool(julia_workers(tmp))


def julia_ready(log: Path, tmp: Path) -> bool:
    out = log.with_suffix(".out")
    return out.exists() and "Julia ready in" in out.read_text() and bool(julia_workers(tmp))


def next_session_starts(tmp: Path, monkeypatch: pytest.MonkeyPatch, bin_dir: Path) -> None:
    """Start (and close) a session in ``tmp``, as the next command would: a fake
    ``julia``, which starts in milliseconds; its start removes stale folders."""
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "julia"
    exe.write_text(f"#!/bin/sh\n{GREET_THEN_READ}\n")
    exe.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    ExeSession(exe).close()


COMMANDS = {
    "run": ["run", "optimizer-compare-mnist", "--quick", "--engine", "julia"],
    "parity": ["parity", "--quick"],
}
EXPECTED = {
    signal.SIGINT: (130, "interrupted"),
    signal.SIGTERM: (143, "terminated (SIGTERM)"),
    signal.SIGKILL: (-9, None),
}


@pytest.mark.parametrize(
    "command, sig",
    [
        ("run", signal.SIGINT),
        ("run", signal.SIGTERM),
        ("run", signal.SIGKILL),
        ("parity", signal.SIGTERM),
        ("parity", signal.SIGKILL),
    ],
    ids=lambda v: v if isinstance(v, str) else signal.Signals(v).name,
)
def test_a_stopped_command_leaves_no_julia_and_no_bridge_folder(
    julia_exe: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    sig: int,
) -> None:
    tmp, log = tmp_path / "tmp", tmp_path / "log"
    tmp.mkdir()
    args = [*COMMANDS[command]] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    proc = start_pyref(args, tmp, log)
    try:
        ready = (lambda: computing(tmp)) if command == "run" else (lambda: julia_ready(log, tmp))
        assert wait_until(lambda: ready() or proc.poll() is not None, 240), "Julia never started"
        assert proc.poll() is None, log.with_suffix(".err").read_text()[-2000:]
        started = folders(tmp, FOLDER_PREFIX)
        assert len(started) == 1
        code = stop(proc, sig)
        want_code, want_line = EXPECTED[sig]
        assert code == want_code
        err = log.with_suffix(".err").read_text()
        if want_line is not None:  # one line, no traceback
            assert "Traceback" not in err, err[-3000:]
            assert err.strip().splitlines()[-1] == f"pyref {command}: {want_line}"
        assert wait_until(lambda: not processes_naming(f"{tmp}/{FOLDER_PREFIX}"), 5.0), (
            f"Julia still running 5 s after {signal.Signals(sig).name}"
        )
        next_session_starts(tmp, monkeypatch, tmp_path / "bin")
        assert folders(tmp, FOLDER_PREFIX) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kill_leftovers(tmp)


def test_any_command_removes_what_killed_commands_left(tmp_path: Path) -> None:
    from pyref.tempdirs import LOCK_NAME, PREFIXES

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left, kept = [], []
    for prefix in PREFIXES:
        for pid, into in ((dead.pid, left), (os.getpid(), kept)):
            folder = tmp / f"{prefix}{pid}-abc"
            folder.mkdir()
            (folder / LOCK_NAME).touch()
            (folder / "data.npz").write_bytes(b"x")
            into.append(folder)
    proc = start_pyref(["run", "--list"], tmp, tmp_path / "log")
    assert proc.wait(timeout=120) == 0
    assert [p.exists() for p in left] == [False, False]  # a dead pid's, unlocked
    assert [p.exists() for p in kept] == [True, True]  # a running process's


# -- commands whose children start Julia: `pyref julia test`, `pyref bench` -------------

#: Each command, and what shows that Julia (or the pyref child starting it) runs.
CHILD_COMMANDS = {
    "julia": (["julia", "test"], "runtests.jl"),
    "bench": (["bench", "--only", "verify"], "PyRef"),
}


def child_running(tmp: Path, marker: str) -> bool:
    """A Julia process of the command (a descendant with TMPDIR ``tmp``) has started."""
    return any(marker in line and "julia" in line for line in map(cmdline, processes_of(tmp)))


@pytest.mark.parametrize(
    "command, sig",
    [("julia", signal.SIGTERM), ("julia", signal.SIGKILL), ("bench", signal.SIGKILL)],
    ids=lambda v: v if isinstance(v, str) else signal.Signals(v).name,
)
def test_a_stopped_command_leaves_none_of_its_children(
    julia_exe: Path, tmp_path: Path, command: str, sig: int
) -> None:
    tmp, log = tmp_path / "tmp", tmp_path / "log"
    tmp.mkdir()
    args, marker = CHILD_COMMANDS[command]
    proc = start_pyref(args, tmp, log)
    try:
        assert wait_until(lambda: child_running(tmp, marker) or proc.poll() is not None, 240)
        assert proc.poll() is None, log.with_suffix(".err").read_text()[-2000:]
        time.sleep(1.0)  # well under way
        code = stop(proc, sig)
        want_code, want_line = EXPECTED[sig]
        assert code == want_code
        if want_line is not None:
            err = log.with_suffix(".err").read_text()
            assert "Traceback" not in err, err[-3000:]
            assert err.strip().splitlines()[-1] == f"pyref {command}: {want_line}"
        assert wait_until(lambda: not processes_of(tmp), 5.0), (
            f"{processes_of(tmp)} still running 5 s after {signal.Signals(sig).name}"
        )
        assert folders(tmp, "pyref-") == []  # the test vectors' or the bench's folder
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kill_leftovers(tmp)
