"""Child processes that cannot outlive pyref: each runs under :mod:`pyref.runtime.keeper`.

``pyref julia test`` and ``pyref bench`` start Julia, or pyref commands that start
Julia, as plain child processes. Started here instead, a child runs under a keeper
in a new session and process group: when pyref stops (an exception, Ctrl-C,
SIGTERM) :func:`stop` kills that whole group, and when pyref is killed outright
(SIGKILL) the keeper notices within :data:`pyref.runtime.keeper.POLL_SECONDS`,
kills the child and its group and removes the child's ``folder``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

#: The keeper's script, run by ``python -I -S`` (standard library only).
KEEPER = Path(__file__).with_name("keeper.py")


def keeper_argv(folder: str | os.PathLike | None = None) -> list[str]:
    """The keeper's command line for this process; the child's command follows it.

    Args:
        folder: a temporary folder whose name starts with ``pyref-``, removed by the
            keeper if pyref is killed; None for no folder.

    Returns:
        ``[python, -I, -S, keeper.py, PID, FOLDER]``.
    """
    return [sys.executable, "-I", "-S", str(KEEPER), str(os.getpid()), str(folder or "")]


def popen(
    cmd: Sequence[str], *, folder: str | os.PathLike | None = None, **kwargs: object
) -> subprocess.Popen:
    """Start ``cmd`` under a keeper, in a new session; the rest as :class:`subprocess.Popen`.

    Args:
        cmd: the child's command line, its program first (looked up on PATH).
        folder: as in :func:`keeper_argv`.
        **kwargs: passed to :class:`subprocess.Popen` (not ``start_new_session``).

    Returns:
        The keeper's Popen: its exit code is the child's, its pid its process group's.
    """
    if not cmd:
        raise ValueError("cmd: an empty command line")
    return subprocess.Popen(
        [*keeper_argv(folder), *map(str, cmd)], start_new_session=True, **kwargs
    )


def stop(proc: subprocess.Popen) -> None:
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
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    capture_output: bool = False,
    text: bool = False,
    timeout: float | None = None,
    folder: str | os.PathLike | None = None,
) -> subprocess.CompletedProcess:
    """Run ``cmd`` under a keeper to its end, as :func:`subprocess.run` does.

    Args:
        cmd: the child's command line.
        env: its environment (None: this process's).
        capture_output: collect its standard output and error.
        text: decode what is collected.
        timeout: seconds before the child's group is killed and
            :class:`subprocess.TimeoutExpired` raised; None waits for ever.
        folder: as in :func:`keeper_argv`.

    Returns:
        The CompletedProcess (``args`` is ``cmd``). Whatever stops the wait (a timeout,
        KeyboardInterrupt, SIGTERM's exception) kills the child's group first.
    """
    pipe = subprocess.PIPE if capture_output else None
    proc = popen(cmd, folder=folder, env=env, stdout=pipe, stderr=pipe, text=text)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        stop(proc)
        raise
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)
