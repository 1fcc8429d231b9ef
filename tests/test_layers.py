"""Layers and functions: forward values, backward against numerical gradients, book semantics."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.functions import cross_entropy_error, numerical_gradient, sigmoid, smooth_curve, softmax
from pyref.layers import (
    Affine,
    BatchNormalization,
    Dropout,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)


def check_input_gradient(forward, backward, x: np.ndarray, rtol: float = 1e-6) -> None:
    """backward(dout) equals the numerical gradient of sum(forward(x) * dout)."""
    rs = np.random.RandomState(3)
    dout = rs.randn(*forward(x).shape)
    analytic = backward(dout.copy())
    numeric = numerical_gradient(lambda z: float(np.sum(forward(z) * dout)), x)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("cls", [Sigmoid, Tanh, Relu])
def test_activation_backward_matches_numerical(cls) -> None:
    layer = cls()
    x = np.random.RandomState(0).randn(4, 5)
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU away from its kink
    layer.forward(x)
    check_input_gradient(layer.forward, layer.backward, x)


def test_relu_semantics() -> None:
    r = Relu()
    out = r.forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(r.backward(np.ones(3)), [0.0, 0.0, 1.0])


def test_affine_backward_and_parameter_gradients() -> None:
    rs = np.random.RandomState(1)
    W, b, x = rs.randn(6, 3), rs.randn(3), rs.randn(4, 2, 3)  # x flattened to 6 features
    layer = Affine(W, b)
    out = layer.forward(x)
    assert out.shape == (4, 3)
    check_input_gradient(layer.forward, layer.backward, x)
    dout = rs.randn(4, 3)
    layer.forward(x)
    layer.backward(dout)

    def loss_w(_: np.ndarray) -> float:
        return float(np.sum(Affine(W, b).forward(x) * dout))

    np.testing.assert_allclose(layer.dW, numerical_gradient(loss_w, W), rtol=1e-6)
    np.testing.assert_allclose(layer.db, numerical_gradient(loss_w, b), rtol=1e-6)
    with pytest.raises(ValueError, match="features"):
        layer.forward(rs.randn(4, 5))


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss(one_hot: bool) -> None:
    rs = np.random.RandomState(2)
    x = rs.randn(5, 4)
    t = np.array([0, 3, 1, 1, 2])
    if one_hot:
        t = np.eye(4)[t]
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    labels = t.argmax(axis=1) if one_hot else t
    assert loss == pytest.approx(-np.mean(np.log(y[np.arange(5), labels] + 1e-7)), rel=1e-12)
    dx = layer.backward()
    numeric = numerical_gradient(lambda z: SoftmaxWithLoss().forward(z, t), x)
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)


def test_softmax_is_stable_and_normalised() -> None:
    y = softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(y, [[0.5, 0.5], [0.25, 0.75]])
    assert cross_entropy_error(np.array([0.25, 0.75]), np.array([1])) == pytest.approx(
        -np.log(0.75 + 1e-7)
    )
    assert sigmoid(np.array([0.0]))[0] == 0.5


def test_dropout_book_semantics_and_draw_order() -> None:
    x = np.arange(1.0, 13.0).reshape(3, 4)
    d = Dropout(0.5, rng=np.random.RandomState(5))
    out = d.forward(x, train_flg=True)
    mask = np.random.RandomState(5).rand(3, 4) > 0.5
    np.testing.assert_array_equal(out, x * mask)
    np.testing.assert_array_equal(d.backward(np.ones((3, 4))), mask.astype(float))
    np.testing.assert_array_equal(d.forward(x, train_flg=False), x * 0.5)
    # The default draws from numpy's global stream, as the book does.
    np.random.seed(9)
    out = Dropout(0.3).forward(x)
    np.random.seed(9)
    np.testing.assert_array_equal(out, x * (np.random.rand(3, 4) > 0.3))
    for bad in (1.0, -0.1, 2):
        with pytest.raises(ValueError, match="dropout_ratio"):
            Dropout(bad)


def test_batchnorm_train_and_test_modes() -> None:
    rs = np.random.RandomState(4)
    gamma, beta = rs.rand(3) + 0.5, rs.randn(3)
    bn = BatchNormalization(gamma, beta)
    x = rs.randn(8, 3) * 3 + 1
    out = bn.forward(x, train_flg=True)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    mu, var = x.mean(axis=0), x.var(axis=0)
    np.testing.assert_allclose(bn.running_mean, 0.1 * mu)
    np.testing.assert_allclose(bn.running_var, 0.1 * var)
    test_out = bn.forward(x, train_flg=False)
    want = gamma * (x - bn.running_mean) / np.sqrt(bn.running_var + 10e-7) + beta
    np.testing.assert_allclose(test_out, want)
    # Backward against numerical gradients (training mode: batch statistics depend on x).
    fresh = lambda: BatchNormalization(gamma.copy(), beta.copy())  # noqa: E731
    layer = fresh()
    layer.forward(x, True)
    check_input_gradient(lambda z: fresh().forward(z, True), layer.backward, x, rtol=1e-5)
    dout = rs.randn(8, 3)
    layer.forward(x, True)
    layer.backward(dout)
    numeric_gamma = numerical_gradient(
        lambda g: float(np.sum(BatchNormalization(g, beta).forward(x, True) * dout)), gamma.copy()
    )
    np.testing.assert_allclose(layer.dgamma, numeric_gamma, rtol=1e-6)
    np.testing.assert_allclose(layer.dbeta, dout.sum(axis=0))


def test_smooth_curve_keeps_length_and_smooths() -> None:
    x = np.sin(np.linspace(0, 6, 50)) + np.random.RandomState(0).randn(50) * 0.3
    y = smooth_curve(x)
    assert y.shape == x.shape
    assert np.abs(np.diff(y)).mean() < np.abs(np.diff(x)).mean()
    with pytest.raises(ValueError, match="at least"):
        smooth_curve([1.0, 2.0])


def test_one_hot_labels_are_told_by_their_size_and_must_have_the_shape() -> None:
    """The book's test (t.size == y.size) says one-hot; such t must then be y's rows
    (PyRef's check_probabilities_and_labels has the same rule)."""
    y = np.array([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    t = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert cross_entropy_error(y, t) == cross_entropy_error(y, np.array([2, 0]))
    for bad in (t.T, t.ravel()):
        with pytest.raises(ValueError, match="t has the size of y but not its shape"):
            cross_entropy_error(y, bad)
    # one sample: t of y's size in any shape, as the book reshapes it to one row
    one = cross_entropy_error(y[0], t[0])
    assert (
        one
        == cross_entropy_error(y[0], t[0].reshape(-1, 1))
        == cross_entropy_error(y[:1], np.array([2]))
    )
