"""Chapter 5's TwoLayerNet of layers (pyref's LayeredTwoLayerNet): the book's draws,
its layers, backpropagation against central differences and the book's formulas."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.functions import softmax
from pyref.layers import Affine, Relu
from pyref.nets import TWO_LAYER_PARAM_NAMES, LayeredTwoLayerNet


def small_batch(seed: int = 1, n: int = 6, d: int = 5, classes: int = 3):
    rs = np.random.RandomState(seed)
    return rs.randn(n, d), rs.randint(0, classes, n)


def test_weights_are_drawn_w1_then_w2_from_the_stream() -> None:
    net = LayeredTwoLayerNet(784, 50, 10, rng=np.random.RandomState(7))
    rs = np.random.RandomState(7)
    assert np.array_equal(net.params["W1"], 0.01 * rs.randn(784, 50))
    assert np.array_equal(net.params["W2"], 0.01 * rs.randn(50, 10))
    assert np.array_equal(net.params["b1"], np.zeros(50))
    assert np.array_equal(net.params["b2"], np.zeros(10))
    assert tuple(net.params) == TWO_LAYER_PARAM_NAMES


def test_the_global_stream_is_the_default() -> None:
    np.random.seed(3)
    net = LayeredTwoLayerNet(4, 3, 2, weight_init_std=0.5)
    np.random.seed(3)
    assert np.array_equal(net.params["W1"], 0.5 * np.random.randn(4, 3))


def test_the_layers_are_the_books_and_share_the_parameters() -> None:
    net = LayeredTwoLayerNet(5, 4, 3, rng=np.random.RandomState(0))
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert isinstance(net.layers["Affine1"], Affine) and isinstance(net.layers["Relu1"], Relu)
    assert net.layers["Affine1"].W is net.params["W1"]
    assert net.layers["Affine2"].b is net.params["b2"]


def test_predict_loss_and_accuracy_follow_the_books_formulas() -> None:
    x, t = small_batch()
    net = LayeredTwoLayerNet(5, 4, 3, weight_init_std=1.0, rng=np.random.RandomState(2))
    p = net.params
    h = np.maximum(x @ p["W1"] + p["b1"], 0)
    scores = h @ p["W2"] + p["b2"]
    np.testing.assert_allclose(net.predict(x), scores, rtol=1e-12)
    y = softmax(scores)
    expected = -np.mean(np.log(y[np.arange(len(t)), t] + 1e-7))
    np.testing.assert_allclose(net.loss(x, t), expected, rtol=1e-12)
    assert net.accuracy(x, t) == np.mean(np.argmax(scores, axis=1) == t)
    assert net.accuracy(x, np.eye(3)[t]) == net.accuracy(x, t)  # one-hot labels


def test_backprop_agrees_with_central_differences() -> None:
    x, t = small_batch(n=4)
    net = LayeredTwoLayerNet(5, 4, 3, weight_init_std=1.0, rng=np.random.RandomState(5))
    numeric = net.numerical_gradient(x, t)
    grads = net.gradient(x, t)
    assert set(grads) == set(numeric) == set(TWO_LAYER_PARAM_NAMES)
    for key in TWO_LAYER_PARAM_NAMES:
        assert grads[key].shape == net.params[key].shape
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-4, atol=1e-6)


def test_the_books_in_place_update_reaches_the_layers() -> None:
    x, t = small_batch()
    net = LayeredTwoLayerNet(5, 4, 3, weight_init_std=1.0, rng=np.random.RandomState(9))
    before = net.loss(x, t)
    for _ in range(20):
        grad = net.gradient(x, t)
        for key in TWO_LAYER_PARAM_NAMES:
            net.params[key] -= 0.1 * grad[key]
    assert net.loss(x, t) < before


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((0, 3, 2), {}, ValueError, "input_size"),
        ((4, 3.5, 2), {}, TypeError, "hidden_size"),
        ((4, 3, 1), {}, ValueError, "output_size"),
        ((4, 3, 2), {"weight_init_std": -0.1}, ValueError, "weight_init_std"),
        ((4, 3, 2), {"rng": np.random.default_rng(0)}, TypeError, "rng"),
    ],
)
def test_bad_arguments_are_named(args, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        LayeredTwoLayerNet(*args, **kwargs)


def test_bad_inputs_are_named() -> None:
    net = LayeredTwoLayerNet(5, 4, 3, rng=np.random.RandomState(0))
    x, t = small_batch()
    with pytest.raises(ValueError, match="x has 4 features per sample, net takes 5"):
        net.predict(x[:, :4])
    with pytest.raises(ValueError, match="^x must have 2 dimensions"):
        net.loss(x.reshape(6, 5, 1), t)
    with pytest.raises(ValueError, match="^t has 5 labels for 6 samples"):
        net.gradient(x, t[:5])
    with pytest.raises(ValueError, match="^t must be class indices"):
        net.accuracy(x, t + 3)
