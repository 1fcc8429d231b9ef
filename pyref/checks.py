"""Argument checks shared by every public function.

Each raises ValueError or TypeError with a message that names the argument,
so a user sees at once which input was wrong and why.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np


def check_real(name: str, value: object) -> float:
    """``value`` as a float, refusing bools, non-numbers and non-finite values."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value}")
    return out


def check_positive(name: str, value: object) -> float:
    """A finite number > 0 (learning rates, eps, scales)."""
    out = check_real(name, value)
    if out <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return out


def check_nonnegative(name: str, value: object) -> float:
    """A finite number >= 0 (weight decay strengths)."""
    out = check_real(name, value)
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return out


def check_unit_interval(name: str, value: object, *, closed_low: bool = True) -> float:
    """A number in [0, 1) (or (0, 1) with ``closed_low=False``): momenta, decay rates, ratios."""
    out = check_real(name, value)
    low_ok = out >= 0 if closed_low else out > 0
    if not (low_ok and out < 1):
        interval = "[0, 1)" if closed_low else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return out


def check_positive_int(name: str, value: object) -> int:
    """An int >= 1 (sizes, epochs, batch sizes, trial counts)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def check_nonnegative_int(name: str, value: object) -> int:
    """An int >= 0 (paddings)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def check_array(
    name: str, x: object, *, ndim: int | tuple[int, ...] | None = None, finite: bool = True
) -> np.ndarray:
    """``x`` as a numeric ndarray with the given number of dimensions, finite if asked."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, not {type(x).__name__}")
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers, not dtype {x.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if x.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got shape {x.shape}")
    if finite and x.dtype.kind == "f" and not _all_finite(x):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def _all_finite(x: np.ndarray) -> bool:
    """Whether every entry of float ``x`` is finite, without a mask of x's size.

    A NaN or an infinity makes the sum NaN or infinite, so a finite sum settles it
    in one pass; only a sum that overflowed or met a non-finite entry is looked at
    entry by entry."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(x)):
            return True
    return bool(np.isfinite(x).all())


def check_flag(name: str, value: object) -> bool:
    """True or False (numpy's bools too): not a string such as 'False', not 0 or 1."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__} {value!r}")
    return bool(value)


def check_batch(name: str, x: object) -> np.ndarray:
    """A batch: a numeric array of shape (samples, features...), at least one sample."""
    x = check_array(name, x, finite=False)
    if x.ndim < 2:
        raise ValueError(
            f"{name} must have samples along its first axis and features after "
            f"it, shape (N, ...), got shape {x.shape}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} has no samples (an empty batch, shape {x.shape})")
    return x


def check_one_hot(name: str, t: np.ndarray) -> np.ndarray:
    """One-hot rows: every entry 0 or 1, one 1 per row."""
    if not (((t == 0) | (t == 1)).all() and (t.sum(axis=-1) == 1).all()):
        raise ValueError(f"{name} must be one-hot rows (entries 0 or 1, one 1 per row)")
    return t


def check_labels(name: str, t: object, batch_size: int, n_classes: int) -> np.ndarray:
    """Labels: integer class indices in [0, n_classes) or one-hot rows, one per sample."""
    t = check_array(name, t, ndim=(1, 2))
    if t.shape[0] != batch_size:
        raise ValueError(f"{name} has {t.shape[0]} labels for {batch_size} samples")
    if t.ndim == 2:
        if t.shape[1] != n_classes:
            raise ValueError(f"{name} is one-hot with {t.shape[1]} columns, expected {n_classes}")
        return check_one_hot(name, t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, not dtype {t.dtype}")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"{name} must be class indices in [0, {n_classes}), got {t.min()}..{t.max()}"
        )
    return t


def check_choice(name: str, value: object, choices: tuple[str, ...] | list[str]) -> str:
    """A string among ``choices`` (case-insensitive), returned lower-cased."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    low = value.lower()
    if low not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose from {', '.join(choices)}")
    return low
