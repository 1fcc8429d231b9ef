"""Chapter 4's numerical differentiation and gradient descent: ``numerical_diff``
(4.3), the gradient of a function of one vector and of each row of a batch
(gradient_2d.py's, common/gradient.py's ``numerical_gradient_2d``), ``gradient_descent``
(4.4.1). The gradient of a function of a whole array (common/gradient.py's
``numerical_gradient``, which the nets use) is :func:`pyref.functions.numerical_gradient`.

Each repeats the book's steps in the book's order: x + h and x - h, f at each, their
difference over 2h, one entry at a time, in place.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from pyref.checks import check_array, check_nonnegative_int, check_real
from pyref.functions import NUMERICAL_GRADIENT_H

#: gradient_descent's defaults (the book's lr=0.01, step_num=100).
GRADIENT_DESCENT_LR = 0.01
GRADIENT_DESCENT_STEPS = 100


def numerical_diff(f: Callable[[float], float], x: float) -> float:
    """The central difference (f(x + h) - f(x - h)) / 2h, h = 1e-4 (4.3.1).

    Args:
        f: a function of one number (or of an array, elementwise).
        x: where to differentiate: a number or a numeric array.

    Returns:
        f's derivative estimate at ``x``, as ``f`` returns it.
    """
    if not callable(f):
        raise TypeError(f"f must be a function, not {type(f).__name__}")
    if isinstance(x, np.ndarray):
        check_array("x", x, finite=False)
    else:
        check_real("x", x)
    h = NUMERICAL_GRADIENT_H
    return (f(x + h) - f(x - h)) / (2 * h)


def _check_gradient_args(f: object, x: object, ndim: tuple[int, ...]) -> np.ndarray:
    if not callable(f):
        raise TypeError(f"f must be a function, not {type(f).__name__}")
    x = check_array("x", x, ndim=ndim, finite=False)
    if x.dtype.kind != "f":
        raise TypeError(
            f"x must be a floating-point array (x + {NUMERICAL_GRADIENT_H} must fit "
            f"in it), not dtype {x.dtype}"
        )
    return x


def numerical_gradient_1d(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference gradient of ``f`` at the vector ``x`` (gradient_2d.py's
    ``_numerical_gradient_no_batch``): each entry in turn set to x + h, then x - h, ``f``
    called on ``x`` itself, the entry put back.

    Args:
        f: a function of a vector, returning a number.
        x: a 1-D floating-point array, perturbed in place (restored after).

    Returns:
        The gradient, of ``x``'s shape and dtype.
    """
    x = _check_gradient_args(f, x, (1,))
    return _gradient_1d(f, x)


def _gradient_1d(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    h = NUMERICAL_GRADIENT_H
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def numerical_gradient_2d(f: Callable[[np.ndarray], float], X: np.ndarray) -> np.ndarray:
    """gradient_2d.py's ``numerical_gradient``: for a vector, :func:`numerical_gradient_1d`;
    for a matrix, that of each row in turn, ``f`` called on the row (as 4.4's
    gradient field of function_2 over a grid of points).

    Args:
        f: a function of a vector, returning a number.
        X: a 1-D or 2-D floating-point array, perturbed in place (restored after).

    Returns:
        The gradients, of ``X``'s shape and dtype.
    """
    X = _check_gradient_args(f, X, (1, 2))
    if X.ndim == 1:
        return _gradient_1d(f, X)
    grad = np.zeros_like(X)
    for idx, x in enumerate(X):
        grad[idx] = _gradient_1d(f, x)
    return grad


def gradient_descent(
    f: Callable[[np.ndarray], float],
    init_x: np.ndarray,
    lr: float = GRADIENT_DESCENT_LR,
    step_num: int = GRADIENT_DESCENT_STEPS,
) -> tuple[np.ndarray, np.ndarray]:
    """``step_num`` steps x -= lr * gradient, from ``init_x`` (gradient_method.py's).

    Args:
        f: a function of a vector, returning a number.
        init_x: the starting point, a 1-D floating-point array, updated in place (the
            book's ``x = init_x``: the same array is returned).
        lr: the learning rate.
        step_num: how many steps (0: none).

    Returns:
        ``(x, x_history)``: the last point, and the points before each step,
        shape (step_num, size).
    """
    x = _check_gradient_args(f, init_x, (1,))
    lr = check_real("lr", lr)
    step_num = check_nonnegative_int("step_num", step_num)
    x_history = []
    for _ in range(step_num):
        x_history.append(x.copy())
        grad = _gradient_1d(f, x)
        x -= lr * grad
    return x, np.array(x_history)
