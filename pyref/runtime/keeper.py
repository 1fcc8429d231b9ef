"""The Julia worker's keeper: it starts the worker and takes it down when pyref is gone.

:class:`pyref.runtime.exe.ExeSession` runs ``python -I -S keeper.py PARENT FOLDER
JULIA ARGS...`` as the leader of a new session and process group. The keeper
starts the worker (``JULIA ARGS...``) in that group, handing it its standard
input, output and error (the bridge's pipes and log), lets go of its own copies,
and waits. When the worker exits, the keeper exits the same way (the same code,
or the same signal), so to pyref it looks like the worker itself. When its parent
is gone (pyref exited without stopping the worker, was killed with SIGKILL, or
crashed) the keeper is re-parented, which it checks for every
:data:`POLL_SECONDS`: it kills the worker, removes the bridge's ``FOLDER`` (its
arrays and log) and then kills its whole process group, itself included, so
whatever the worker started goes too. A busy worker never reads its pipes, so
only a second process can notice that nobody is waiting for its answer.

It imports nothing but Python's standard library and runs with ``-I -S`` (no
site packages, no environment): it starts in milliseconds, whatever pyref imports.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys

#: Seconds between two checks that the parent is still there.
POLL_SECONDS = 0.2
#: Signals the keeper passes on to the worker (it then exits as the worker does).
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: Exit code when the worker cannot be started (as a shell's "command not found").
CANNOT_START = 127


def _exit_like(status: int) -> None:
    """Exit as a process with wait status ``status`` did: its code, or its signal."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            import resource

            core = resource.getrlimit(resource.RLIMIT_CORE)
            resource.setrlimit(resource.RLIMIT_CORE, (0, core[1]))  # the worker's, not ours
        except (ImportError, OSError, ValueError):
            pass
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL has no handler to reset
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _orphaned(worker: int, folder: str) -> None:
    """The parent is gone: the worker, its folder, then this group, keeper included."""
    try:
        os.kill(worker, signal.SIGKILL)  # not yet reaped: the pid is still the worker's
        os.waitpid(worker, 0)
    except OSError:
        pass
    if os.path.basename(folder).startswith("pyref-"):
        shutil.rmtree(folder, ignore_errors=True)
    os.killpg(0, signal.SIGKILL)


def main(argv: list[str]) -> None:
    parent, folder, command = int(argv[1]), argv[2], argv[3:]
    try:
        # SIGPIPE and SIGXFSZ as subprocess leaves them for the programs it starts
        # (Python ignores them in itself); the rest as the keeper got them.
        restored = [s for s in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, s)]
        worker = os.posix_spawnp(
            command[0], command, os.environ, setsigdef=[getattr(signal, s) for s in restored]
        )
    except OSError as err:
        print(f"could not start {command[0]}: {err}", file=sys.stderr, flush=True)
        os._exit(CANNOT_START)
    reaped = []

    def forward(signum: int, frame: object) -> None:  # a signal to the keeper is the worker's
        if not reaped:
            os.kill(worker, signum)

    for sig in FORWARDED:
        signal.signal(sig, forward)
    # The pipes are the worker's now: its output ends when it does, not when the keeper does.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    try:
        exited = os.pidfd_open(worker)  # readable once the worker exits (Linux 5.3+)
    except (AttributeError, OSError):
        exited = None
    while True:
        if os.getppid() != parent:
            _orphaned(worker, folder)
        pid, status = os.waitpid(worker, os.WNOHANG)
        if pid == worker:
            reaped.append(status)
            _exit_like(status)
        if exited is not None:
            select.select([exited], [], [], POLL_SECONDS)
        else:
            select.select([], [], [], POLL_SECONDS)


if __name__ == "__main__":
    main(sys.argv)
