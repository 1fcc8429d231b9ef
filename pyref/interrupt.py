"""SIGTERM handled like Ctrl-C: the commands stop the same way for both.

Python turns SIGINT into :class:`KeyboardInterrupt`; within
:func:`sigterm_as_interrupt`, SIGTERM (what ``kill``, ``timeout``, systemd and job
schedulers send) raises :class:`Terminated`, a subclass, in the main thread. So every ``except
KeyboardInterrupt`` and ``finally`` of the commands runs for both signals: workers
are stopped, temporary folders removed, finished work written. A command exits
:func:`exit_code` (130 for SIGINT, 143 for SIGTERM: 128 plus the signal's number,
as a shell reports a process the signal killed) with one line, :func:`describe`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: Exit codes of a command stopped by SIGINT (Ctrl-C) and by SIGTERM.
INTERRUPTED_EXIT = 128 + int(signal.SIGINT)
TERMINATED_EXIT = 128 + int(signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM: raised in the main thread, like Ctrl-C's
    KeyboardInterrupt, so the same clean-up runs."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    # Once: a second SIGTERM does not break off the clean-up the first one started
    # (SIGKILL remains for a process that must go at once).
    signal.signal(signal.SIGTERM, _already_stopping)
    raise Terminated()


def _already_stopping(signum: int, frame: FrameType | None) -> None:
    """SIGTERM while the first one's clean-up runs: nothing more to do."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread; the
    previous handler is back afterwards. From another thread, where Python cannot set
    handlers, nothing changes.

    A Python-level handler is not inherited by the programs a process starts (they
    begin with SIGTERM's default action), so child processes are unaffected.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code(err: KeyboardInterrupt) -> int:
    """The exit code of a command stopped by ``err``: 143 for SIGTERM, else 130."""
    return TERMINATED_EXIT if isinstance(err, Terminated) else INTERRUPTED_EXIT


def describe(err: KeyboardInterrupt) -> str:
    """What stopped the command, for its one line: ``interrupted`` or ``terminated (SIGTERM)``."""
    return "terminated (SIGTERM)" if isinstance(err, Terminated) else "interrupted"
