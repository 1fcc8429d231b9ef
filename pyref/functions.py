"""Elementwise activations, softmax, cross-entropy, numerical gradients, curve smoothing.

Each follows the book's numpy expression exactly, because the order of floating
point operations decides the last bits, and the Julia twin repeats that order.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: Added inside the log of cross-entropy so that log(0) cannot occur (the book's 1e-7).
CROSS_ENTROPY_DELTA = 1e-7

#: Central-difference step of the numerical gradient (the book's 1e-4).
NUMERICAL_GRADIENT_H = 1e-4

#: Window length and Kaiser beta of ``smooth_curve`` (the book's 11 and 2).
SMOOTH_WINDOW = 11
SMOOTH_KAISER_BETA = 2


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x))."""
    return 1 / (1 + np.exp(-x))


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), elementwise."""
    return np.maximum(0, x)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (numpy's own SIMD kernel: last-bit differences to libm are possible)."""
    return np.tanh(x)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum against overflow."""
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)  # the book computes np.exp(x) twice; once gives the same numbers
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """Mean cross-entropy of probabilities ``y`` against labels or one-hot rows ``t``."""
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + CROSS_ENTROPY_DELTA)) / batch_size


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``, perturbing ``x`` in place one entry
    at a time (so ``f`` may read ``x`` through a closure, as the book's nets do)."""
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
    """Smooth a loss curve with a normalised Kaiser window, mirrored at both ends.

    Used for the loss plots of 6.1 and 6.2; the output has the input's length.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < SMOOTH_WINDOW:
        raise ValueError(f"x must be a 1-D curve of at least {SMOOTH_WINDOW} points")
    n = SMOOTH_WINDOW
    s = np.r_[x[n - 1 : 0 : -1], x, x[-1:-n:-1]]
    w = np.kaiser(n, SMOOTH_KAISER_BETA)
    y = np.convolve(w / w.sum(), s, mode="valid")
    return y[5 : len(y) - 5]
