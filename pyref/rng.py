"""Where random numbers come from.

The book draws everything from numpy's global legacy ``RandomState`` (MT19937),
and reproducing its numbers means drawing from the same stream in the same order.
Every pyref function that draws takes an optional ``rng``: ``None`` means that
global stream (what ``np.random.seed`` seeds), a ``np.random.RandomState`` gives
isolated, reproducible use without touching the global one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

RandomState = np.random.RandomState

#: The largest seed numpy's legacy seeding takes: a seed is one 32-bit word.
SEED_MAX = 2**32 - 1


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
    np.random.seed(check_seed("seed", seed))
    return None


def check_seed(name: str, seed: object) -> int:
    """``seed`` as an int in numpy's legacy range 0 .. 2**32 - 1 (TypeError or
    ValueError naming ``name``): every seed pyref takes is checked here."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int, not {type(seed).__name__}")
    if not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"{name} must be between 0 and 2**32 - 1, got {seed}")
    return int(seed)


def rng_state(rng: np.random.RandomState) -> dict[str, Any]:
    """The stream's state as plain JSON values: numpy's ``get_state()`` without its
    'MT19937' tag, as ``{"key": 624 ints, "pos", "has_gauss": 0 or 1,
    "cached_gaussian"}``. ``set_rng_state`` reads it back; PyRef's twins are
    ``NumpyRandom.rng_state`` and ``set_rng_state!``."""
    _, key, pos, has_gauss, cached = resolve_rng(rng).get_state()
    return {
        "key": key.tolist(),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached_gaussian": float(cached),
    }


def set_rng_state(
    rng: np.random.RandomState, state: object, what: str = "state"
) -> np.random.RandomState:
    """Put ``rng`` in the state ``rng_state`` gave and return it; ValueError naming
    ``what`` when ``state`` is not one (624 words below 2**32, pos in 0..624,
    has_gauss 0 or 1, a float cached_gaussian), ``rng`` then unchanged."""
    try:
        key, pos = state["key"], state["pos"]  # type: ignore[index]
        has_gauss, cached = state["has_gauss"], state["cached_gaussian"]  # type: ignore[index]
        words = np.asarray(key)
        ok = (
            words.shape == (624,)
            and words.dtype.kind in "iu"
            and bool(((words >= 0) & (words <= SEED_MAX)).all())
            and isinstance(pos, (int, np.integer))
            and not isinstance(pos, bool)
            and 0 <= pos <= 624
            and has_gauss in (0, 1)
            and isinstance(cached, (int, float, np.floating))
        )
    except (TypeError, KeyError, IndexError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{what} is not a numpy RandomState state (a dict of key: 624 "
            "words, pos: 0..624, has_gauss: 0 or 1, cached_gaussian)"
        )
    rng = resolve_rng(rng)
    rng.set_state(("MT19937", words.astype(np.uint32), int(pos), int(has_gauss), float(cached)))
    return rng
