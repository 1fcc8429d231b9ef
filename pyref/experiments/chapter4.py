"""The book's ch04 script as a function that returns its data (plotting is in figures).

- ``gradient_descent_path``: gradient_method.py (4.4.1: gradient descent on
  f(x0, x1) = x0² + x1² from (-3, 4), lr 0.1, 20 steps; no random numbers).

ch04's train_neuralnet.py is :func:`pyref.experiments.chapter5.train_two_layer_net`
with ``gradient="numerical"`` (ch05's script is its default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.checks import check_real
from pyref.gradient import gradient_descent

__all__ = [
    "DESCENT_INIT_X",
    "DESCENT_LR",
    "DESCENT_STEPS",
    "function_2",
    "gradient_descent_path",
]

#: gradient_method.py's start, learning rate and steps.
DESCENT_INIT_X = (-3.0, 4.0)
DESCENT_LR = 0.1
DESCENT_STEPS = 20


def function_2(x: np.ndarray) -> float:
    """gradient_method.py's f(x) = x[0]**2 + x[1]**2."""
    return x[0] ** 2 + x[1] ** 2


def gradient_descent_path(
    *,
    init_x: tuple[float, float] = DESCENT_INIT_X,
    lr: float = DESCENT_LR,
    step_num: int = DESCENT_STEPS,
) -> dict[str, Any]:
    """gradient_method.py: the points gradient descent visits on x0² + x1².

    Returns:
        ``init_x``, ``lr``, ``step_num``; ``x_history`` (step_num, 2): the point before
        each step; ``x``: the last point.
    """
    start = np.array([check_real("init_x", v) for v in init_x], dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"init_x must be two numbers (x0, x1), got {len(start)}")
    x, x_history = gradient_descent(function_2, start.copy(), lr=lr, step_num=step_num)
    return {
        "init_x": [float(v) for v in start],
        "lr": float(lr),
        "step_num": int(step_num),
        "x_history": x_history.reshape(-1, 2),
        "x": x,
    }
