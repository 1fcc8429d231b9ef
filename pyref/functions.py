"""Elementwise activations, softmax, cross-entropy, numerical gradients, curve smoothing.

Each follows the book's numpy expression exactly, because the order of floating
point operations decides the last bits, and the Julia twin repeats that order.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from pyref.checks import check_array, check_one_hot

#: Added inside the log of cross-entropy so that log(0) cannot occur (the book's 1e-7).
CROSS_ENTROPY_DELTA = 1e-7

#: Central-difference step of the numerical gradient (the book's 1e-4).
NUMERICAL_GRADIENT_H = 1e-4

#: Window length and Kaiser beta of ``smooth_curve`` (the book's 11 and 2).
SMOOTH_WINDOW = 11
SMOOTH_KAISER_BETA = 2


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, elementwise.

    Args:
        x: any shape.

    Returns:
        1 / (1 + exp(-x)), ``x``'s shape.
    """
    return 1 / (1 + np.exp(-x))


def relu(x: np.ndarray) -> np.ndarray:
    """The rectifier, elementwise.

    Args:
        x: any shape.

    Returns:
        max(0, x), ``x``'s shape.
    """
    return np.maximum(0, x)


def tanh(x: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, elementwise.

    Args:
        x: any shape.

    Returns:
        tanh(x), ``x``'s shape.

    Notes:
        numpy's own SIMD kernel: last-bit differences to libm are possible.
    """
    return np.tanh(x)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum against overflow.

    Args:
        x: scores, shape (C,) or (N, C).

    Returns:
        probabilities, ``x``'s shape, each row summing to 1.

    Notes:
        The book computes np.exp(x) twice; once gives the same numbers.
    """
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """Mean cross-entropy of probabilities against labels or one-hot rows.

    Args:
        y: probabilities, shape (C,) for one sample or (N, C).
        t: labels, shape (N,) of ints in [0, C), or one-hot rows of ``y``'s shape.

    Returns:
        -sum(log(y[i, t_i] + delta)) / N, a float.

    Raises:
        ValueError: anything else (a label -1, which numpy would take from the end,
            a wrong count, rows of 5.0, an empty batch), naming ``y`` or ``t``.
    """
    _check_probabilities_and_labels(y, t)
    return _cross_entropy_error(y, t)


def _cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """cross_entropy_error without its checks, for callers that made them once."""
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + CROSS_ENTROPY_DELTA)) / batch_size


def _check_probabilities_and_labels(y: object, t: object, y_name: str = "y") -> None:
    """What cross_entropy_error and SoftmaxWithLoss take (see cross_entropy_error);
    ``y_name`` names ``y`` in the messages (SoftmaxWithLoss's scores are ``x``)."""
    y = check_array(y_name, y, ndim=(1, 2), finite=False)
    t = check_array("t", t, ndim=(1, 2), finite=False)
    rows, classes = (1, y.size) if y.ndim == 1 else y.shape
    if rows == 0:
        raise ValueError(f"{y_name} has no samples (an empty batch, shape {y.shape})")
    if classes < 2:
        raise ValueError(
            f"{y_name} must have at least 2 classes (softmax over one class is "
            f"always 1), got shape {y.shape}"
        )
    if t.size == y.size:  # one-hot rows: the book tells them by their size
        if y.ndim == 2 and t.shape != y.shape:
            raise ValueError(
                f"t has the size of {y_name} but not its shape: one-hot rows must "
                f"have shape {y.shape}, got {t.shape}"
            )
        check_one_hot("t", t.reshape(rows, classes))
        return
    if t.ndim != 1 or t.size != rows:
        raise ValueError(
            f"t must be {rows} class label(s) or one-hot rows of shape "
            f"{(rows, classes)}, got shape {t.shape}"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(f"t must hold integer class labels, not dtype {t.dtype}")
    if t.min() < 0 or t.max() >= classes:
        raise ValueError(f"t must be class indices in [0, {classes}), got {t.min()}..{t.max()}")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``.

    Args:
        f: a function of ``x`` returning a float; it may ignore its argument and read
            ``x`` through a closure, as the book's nets do (``x`` is perturbed in place,
            one entry at a time).
        x: a floating-point array, any shape, contiguous.

    Returns:
        grad: (f(x + h) - f(x - h)) / 2h per entry, ``x``'s shape.
    """
    check_array("x", x, finite=False)
    if x.dtype.kind != "f":
        raise TypeError(
            f"x must be a floating-point array (x + {NUMERICAL_GRADIENT_H} must "
            f"fit in it), not dtype {x.dtype}"
        )
    h = NUMERICAL_GRADIENT_H
    grad = np.zeros_like(x)
    flat = x.reshape(-1)  # a view: writes reach x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        tmp_val = flat[i]
        flat[i] = float(tmp_val) + h
        fxh1 = f(x)
        flat[i] = tmp_val - h
        fxh2 = f(x)
        gflat[i] = (fxh1 - fxh2) / (2 * h)
        flat[i] = tmp_val
    return grad


def smooth_curve(x: np.ndarray | list[float]) -> np.ndarray:
    """Smooth a loss curve with a normalised Kaiser window, mirrored at both ends
    (the loss plots of 6.1 and 6.2).

    Args:
        x: a curve, 1-D, at least ``SMOOTH_WINDOW`` points.

    Returns:
        the smoothed curve, shape (len(x),).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < SMOOTH_WINDOW:
        raise ValueError(f"x must be a 1-D curve of at least {SMOOTH_WINDOW} points")
    n = SMOOTH_WINDOW
    s = np.r_[x[n - 1 : 0 : -1], x, x[-1:-n:-1]]
    w = np.kaiser(n, SMOOTH_KAISER_BETA)
    y = np.convolve(w / w.sum(), s, mode="valid")
    return y[5 : len(y) - 5]
