"""What the commands share: the one-line error of `pyref <command>` and the argument
types that check their values (seed, positive integer, seconds, layer sizes)."""

from __future__ import annotations

import argparse
import sys


def error(command: str, message: object) -> int:
    """Print the one-line error of `pyref <command>` and return its exit code, 2."""
    print(f"pyref {command}: error: {message}", file=sys.stderr)
    return 2


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
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


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
