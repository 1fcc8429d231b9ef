"""Helpers of the signal tests: a `pyref` command started as a process of its own,
with a private temporary folder, and the processes and folders it leaves.

The command runs in a new session (a signal sent to it reaches it alone, not the
test run) with Python's Ctrl-C handler installed explicitly: a process started by
a shell in the background inherits SIGINT ignored, and Python then keeps ignoring it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: `python -c` code that runs `pyref ARGS` with SIGINT raising KeyboardInterrupt.
LAUNCH = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from pyref.cli import main; sys.exit(main(sys.argv[1:]))"
)


def start_pyref(args: list[str], tmp: Path, log: Path) -> subprocess.Popen:
    """Start `pyref ARGS` with TMPDIR ``tmp``, its stdout and stderr in ``log``(.out/.err)."""
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args],
        stdout=open(log.with_suffix(".out"), "w"),  # noqa: SIM115 (the child holds it)
        stderr=open(log.with_suffix(".err"), "w"),  # noqa: SIM115
        env=env,
        cwd=REPO,
        start_new_session=True,
    )


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def cmdline(pid: int) -> str:
    """Process ``pid``'s command line, its words joined by spaces ('' once it is gone)."""
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def processes_naming(text: str) -> list[int]:
    """The live processes (but this one) whose command line holds ``text``: the Julia
    workers of a temporary folder, and their keepers, name their bridge folder in it."""
    pids = [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]
    return [pid for pid in pids if pid != os.getpid() and text in cmdline(pid) and running(pid)]


def processes_of(tmp: Path) -> list[int]:
    """The live processes (but this one) whose environment has TMPDIR ``tmp``: every
    descendant of a command :func:`start_pyref` started, whatever its command line."""
    want = f"TMPDIR={tmp}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if want in environ and running(int(entry.name)):
            found.append(int(entry.name))
    return found


def julia_workers(tmp: Path) -> list[int]:
    """The Julia workers (not their keepers) serving bridge folders in ``tmp``."""
    return [
        pid
        for pid in processes_naming(f"{tmp}/pyref-bridge-")
        if "PyRef.Bridge.serve" in cmdline(pid) and "keeper.py" not in cmdline(pid)
    ]


def wait_until(predicate, seconds: float) -> bool:
    """Poll ``predicate`` every 50 ms for up to ``seconds``; its last value."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def folders(tmp: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in tmp.glob(f"{prefix}*"))


def stop(proc: subprocess.Popen, sig: int) -> int:
    """Send ``sig`` to ``proc`` (its pid only), wait for it; its return code."""
    os.kill(proc.pid, sig)
    try:
        return proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def kill_leftovers(tmp: Path) -> None:
    """After a failed test: SIGKILL what still names ``tmp`` (it was started by the test)."""
    for pid in {*processes_naming(str(tmp)), *processes_of(tmp)}:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
