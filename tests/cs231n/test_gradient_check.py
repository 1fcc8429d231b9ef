"""pyref.cs231n.gradient_check: centred differences, in C order, x restored."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.cs231n.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
)


def test_numerical_gradient_of_a_quadratic_is_exact_to_rounding(capsys) -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    x0 = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(np.sum(v**2))

    grad = eval_numerical_gradient(f, x, verbose=True)
    np.testing.assert_allclose(grad, 2 * x0, rtol=1e-9)
    assert np.array_equal(x, x0)
    # f at x first, then +h and -h for each entry in C order
    assert len(seen) == 1 + 2 * x.size
    assert seen[1][0, 0] == 1.0 + 1e-5 and seen[3][0, 1] == -2.0 + 1e-5
    assert capsys.readouterr().out.splitlines()[0].startswith("(0, 0) ")


def test_array_gradient_is_the_backward_pass_of_sum_f_times_df() -> None:
    np.random.seed(0)
    a = np.random.randn(3, 4)
    x = np.random.randn(4, 2)
    df = np.random.randn(3, 2)
    grad = eval_numerical_gradient_array(lambda v: a.dot(v), x, df)
    np.testing.assert_allclose(grad, a.T.dot(df), rtol=1e-8)


def test_grad_check_sparse_draws_indices_from_numpys_stream(capsys) -> None:
    x = np.random.RandomState(1).randn(5, 6)
    np.random.seed(7)
    errors = grad_check_sparse(lambda v: float(np.sum(v**3)), x, 3 * x**2, num_checks=4)
    assert len(errors) == 4 and max(errors) < 1e-8
    np.random.seed(7)
    first = (np.random.randint(5), np.random.randint(6))
    line = capsys.readouterr().out.splitlines()[0]
    assert f"analytic: {3 * x[first] ** 2:f}" in line
    wrong = grad_check_sparse(lambda v: float(np.sum(v**3)), x, 2 * x**2, num_checks=2)
    assert min(wrong) > 0.1


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [
        (lambda: eval_numerical_gradient(np.sum, np.arange(3)), TypeError, "x must be a float"),
        (lambda: eval_numerical_gradient(np.sum, np.ones(3), h=0), ValueError, "h must"),
        (lambda: eval_numerical_gradient(np.sum, np.ones(3), verbose="no"), TypeError, "verbose"),
        (
            lambda: eval_numerical_gradient_array(lambda v: v, np.ones(3), np.ones(2)),
            ValueError,
            "df",
        ),
        (lambda: grad_check_sparse(np.sum, np.ones(3), np.ones(2)), ValueError, "analytic_grad"),
        (
            lambda: grad_check_sparse(np.sum, np.ones(3), np.ones(3), num_checks=0),
            ValueError,
            "num_checks",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_argument(call, error, named) -> None:
    with pytest.raises(error) as info:
        call()
    assert named in str(info.value)
