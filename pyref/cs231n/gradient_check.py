"""Numerical gradients by centred differences, to check the layers' backward passes.

Each entry of ``x`` is moved by +h and -h in turn, in C order, and restored; ``f``
sees ``x`` changed in place, as the assignment's checks expect.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from pyref.checks import check_array, check_flag, check_positive, check_positive_int

#: The step of the centred differences.
GRADIENT_H = 1e-5


def _check_x(x: object, h: object) -> tuple[np.ndarray, float]:
    x = check_array("x", x, finite=False)
    if x.dtype.kind != "f":
        raise TypeError(
            f"x must be a float array (it is changed in place by h), not dtype {x.dtype}"
        )
    return x, check_positive("h", h)


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = True, h: float = GRADIENT_H
) -> np.ndarray:
    """The gradient of a scalar function: (f(x + h) - f(x - h)) / 2h per entry.

    Args:
        f: x -> float.
        x: the point, any shape, float; changed in place during the call and restored.
        verbose: print each index and its partial derivative.
        h: the step, > 0.

    Returns:
        the gradient, x's shape.
    """
    x, h = _check_x(x, h)
    verbose = check_flag("verbose", verbose)
    f(x)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = GRADIENT_H
) -> np.ndarray:
    """The gradient of sum(f(x) * df) for an array function f: a backward pass's
    dx for the upstream gradient df, numerically.

    Args:
        f: x -> array of df's shape.
        x: the point, any shape, float; changed in place during the call and restored.
        df: the upstream gradient, f(x)'s shape.
        h: the step, > 0.

    Returns:
        the gradient, x's shape.
    """
    x, h = _check_x(x, h)
    df = check_array("df", df, finite=False)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), copy=True)
        x[ix] = old - h
        neg = np.array(f(x), copy=True)
        x[ix] = old
        if pos.shape != df.shape:
            raise ValueError(f"df has shape {df.shape}, f(x) has {pos.shape}")
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = GRADIENT_H,
) -> list[float]:
    """Compare an analytic gradient with the numerical one at a few random entries,
    printing each pair and its relative error.

    Args:
        f: x -> float.
        x: the point, any shape, float; changed in place during the call and restored.
        analytic_grad: the gradient to check, x's shape.
        num_checks: how many entries, >= 1.
        h: the step, > 0.

    Returns:
        the relative errors |num - ana| / (|num| + |ana|), one per check.

    Notes:
        Each entry's index is one ``np.random.randint(m)`` per dimension of size m,
        drawn from numpy's global stream (the assignment draws them from Python's
        ``random``, which no twin can follow).
    """
    x, h = _check_x(x, h)
    analytic_grad = check_array("analytic_grad", analytic_grad, finite=False)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad has shape {analytic_grad.shape}, x has {x.shape}")
    num_checks = check_positive_int("num_checks", num_checks)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(np.random.randint(m)) for m in x.shape)
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        numerical = (fxph - fxmh) / (2 * h)
        analytic = analytic_grad[ix]
        denom = abs(numerical) + abs(analytic)
        error = abs(numerical - analytic) / denom if denom > 0 else 0.0
        print(f"numerical: {numerical:f} analytic: {analytic:f}, relative error: {error:e}")
        errors.append(float(error))
    return errors
