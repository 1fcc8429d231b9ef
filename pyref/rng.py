"""Where random numbers come from.

The book draws everything from numpy's global legacy ``RandomState`` (MT19937),
and reproducing its numbers means drawing from the same stream in the same order.
Every pyref function that draws takes an optional ``rng``: ``None`` means that
global stream (what ``np.random.seed`` seeds), a ``np.random.RandomState`` gives
isolated, reproducible use without touching the global one.
"""

from __future__ import annotations

import numpy as np

RandomState = np.random.RandomState


def resolve_rng(rng: np.random.RandomState | None) -> np.random.RandomState:
    """Return ``rng``, or numpy's global legacy state when ``rng`` is None.

    ``np.random.Generator`` is refused: it uses other algorithms, so its numbers
    could never match the book's or PyRef's.
    """
    if rng is None:
        return np.random.mtrand._rand
    if isinstance(rng, np.random.RandomState):
        return rng
    raise TypeError(
        f"rng must be a numpy.random.RandomState or None (the global stream), "
        f"not {type(rng).__name__}"
    )


def make_rng(seed: int | None) -> np.random.RandomState | None:
    """Seed the global stream (the book's way) and return None, or return None untouched.

    Helper for entry points that take ``seed``: with a seed they behave exactly as a
    book script that starts with ``np.random.seed(seed)``.
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    if not 0 <= int(seed) <= 2**32 - 1:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")
    np.random.seed(int(seed))
    return None
