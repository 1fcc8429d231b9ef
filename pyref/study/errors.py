"""The search's errors and warnings: :class:`SearchError` (the user's to fix,
printed as one line), :class:`ClaimLost` (a worker's trial was taken over), and the
one-line form of a database's or a library's exception."""

from __future__ import annotations

import sys


class SearchError(Exception):
    """A problem the user can fix (bad setting, unreachable database, clashing study);
    its message is one line, printed without a traceback."""


class ClaimLost(Exception):
    """This worker's trial was taken over by another (its heartbeat had gone stale)."""


def first_line(err: BaseException) -> str:
    """The first line of ``err``'s message (of the driver's error under a SQLAlchemy
    one), for one-line errors and warnings."""
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def warn(message: str) -> None:
    """Print a warning of `pyref search` on stderr: the study goes on."""
    print(f"pyref search: warning: {message}", file=sys.stderr, flush=True)
