"""What the commands share: the one-line error of `pyref <command>`, the Julia
worker's log kept where its error says, and the argument types that check their
values (seed, positive integer, seconds, layer sizes)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pyref.checks import check_positive_int


def error(command: str, message: object) -> int:
    """Print the one-line error of `pyref <command>` and return its exit code, 2."""
    print(f"pyref {command}: error: {message}", file=sys.stderr)
    return 2


def kept_log_message(err: Exception, folder: str | os.PathLike | None, name: str) -> str:
    """``err``'s message, its Julia worker's log (if it cites one) copied to
    ``folder``/``name`` first and cited there: the session's own copy goes with the
    session when the command exits. Without ``folder``, or if the copy fails, the
    message cites no path (the log's last lines are in it anyway)."""
    log = getattr(err, "log_path", None)
    moved = getattr(err, "log_moved", None)
    if log is None or moved is None:
        return str(err)
    kept = None
    if folder is not None:
        from pyref.fileio import write_bytes

        try:
            kept = write_bytes(Path(folder) / name, Path(log).read_bytes())
        except OSError:
            kept = None
    return moved(kept)


def seed_arg(text: str) -> int:
    from pyref.rng import check_seed

    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be an integer, got {text!r}") from None
    try:
        return check_seed("--seed", seed)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def positive_int_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    try:
        return check_positive_int("value", value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}") from None


def seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def hidden_arg(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 100,100,100, got {text!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {text!r}")
    return sizes
