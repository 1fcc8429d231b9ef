"""Chapter 4's numerical differentiation and gradient descent (pyref.gradient) and the
activations chapter 3 adds (pyref.functions), against the book's formulas restated."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.functions import identity_function, numerical_gradient, sigmoid_grad, step_function
from pyref.gradient import (
    gradient_descent,
    numerical_diff,
    numerical_gradient_1d,
    numerical_gradient_2d,
)

H = 1e-4


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    return np.sum(x**2) if x.ndim == 1 else np.sum(x**2, axis=1)


def test_numerical_diff_is_the_central_difference() -> None:
    for x in (5.0, 10.0):
        assert numerical_diff(function_1, x) == (function_1(x + H) - function_1(x - H)) / (2 * H)
    assert numerical_diff(function_1, 5.0) == pytest.approx(0.2, abs=1e-9)  # 0.02 x + 0.1
    xs = np.array([5.0, 10.0])
    np.testing.assert_array_equal(
        numerical_diff(function_1, xs), (function_1(xs + H) - function_1(xs - H)) / (2 * H)
    )
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_diff(3.0, 1.0)
    with pytest.raises(TypeError, match="x must be a real number"):
        numerical_diff(function_1, "5")


def test_the_gradient_of_a_vector_and_of_each_row() -> None:
    x = np.array([3.0, 4.0])
    g = numerical_gradient_1d(function_2, x)
    want = [(function_2(np.array([3 + H, 4.0])) - function_2(np.array([3 - H, 4.0]))) / (2 * H),
            (function_2(np.array([3.0, 4 + H])) - function_2(np.array([3.0, 4 - H]))) / (2 * H)]  # fmt: skip
    np.testing.assert_array_equal(g, want)
    np.testing.assert_array_equal(x, [3.0, 4.0])  # put back
    X = np.array([[3.0, 4.0], [0.0, 2.0], [3.0, 0.0]])
    G = numerical_gradient_2d(function_2, X)
    for row, grow in zip(X, G):
        np.testing.assert_array_equal(grow, numerical_gradient_1d(function_2, row.copy()))
    np.testing.assert_allclose(G, 2 * X, atol=1e-6)
    # on a vector, the book's two numerical_gradient functions take the same steps
    np.testing.assert_array_equal(
        numerical_gradient_2d(function_2, x), numerical_gradient(function_2, x)
    )
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        numerical_gradient_1d(function_2, np.array([1, 2]))
    with pytest.raises(ValueError, match="x must have 1 or 2 dimensions"):
        numerical_gradient_2d(function_2, np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient_2d(None, X)


def test_gradient_descent_steps_and_history() -> None:
    init = np.array([-3.0, 4.0])
    x, history = gradient_descent(function_2, init, lr=0.1, step_num=20)
    assert x is init and history.shape == (20, 2)
    np.testing.assert_array_equal(history[0], [-3.0, 4.0])
    # each step: x - lr * 2x (up to the central difference's rounding) = 0.8 x
    np.testing.assert_allclose(history[1:], history[:-1] * 0.8, rtol=1e-6)
    np.testing.assert_allclose(x, history[-1] * 0.8, rtol=1e-6)
    far, _ = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=10.0, step_num=100)
    assert np.abs(far).max() > 1e10  # the book's too-large learning rate diverges
    with pytest.raises(ValueError, match="step_num must be >= 0"):
        gradient_descent(function_2, np.array([1.0, 2.0]), step_num=-1)
    with pytest.raises(ValueError, match="x must have 1 dimensions"):
        gradient_descent(function_2, np.zeros((2, 2)))


def test_the_activations_chapter_3_adds() -> None:
    x = np.array([-1.0, 0.0, 0.5, 3.0])
    s = step_function(x)
    assert s.dtype == np.dtype(int) and s.tolist() == [0, 0, 1, 1]
    assert identity_function(x) is x
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_array_equal(sigmoid_grad(x), (1.0 - sig) * sig)
    with pytest.raises(TypeError, match="x must be a numpy array"):
        sigmoid_grad([0.0])
    with pytest.raises(TypeError, match="x must hold numbers"):
        step_function(np.array(["a"]))
