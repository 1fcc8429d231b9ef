"""The nets of chapters 3 and 4 (pyref.simple_nets): 3.6's forward pass on the book's
weights, simpleNet, ch04's two-layer net; the book's formulas restated, its draws in
numpy's order, checks naming the argument."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from pyref.simple_nets import SigmoidTwoLayerNet, SimpleNet, check_network, init_network, predict

BOOK = Path(os.environ.get("PYREF_BOOK", "/tmp/book"))


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _network(rs):
    sizes = [6, 4, 3, 5]
    net = {}
    for i in (1, 2, 3):
        net[f"W{i}"] = rs.randn(sizes[i - 1], sizes[i]).astype(np.float32)
        net[f"b{i}"] = rs.randn(sizes[i]).astype(np.float32)
    return net


def test_init_network_reads_the_pickle_and_predict_is_3_6_s_forward_pass(tmp_path: Path) -> None:
    network = _network(np.random.RandomState(0))
    path = tmp_path / "sample_weight.pkl"
    path.write_bytes(pickle.dumps(network))
    got = init_network(path)
    for key, value in network.items():
        assert got[key].dtype == np.float32
        np.testing.assert_array_equal(got[key], value)
    x = np.random.RandomState(1).rand(7, 6).astype(np.float32)
    y = predict(got, x)
    z = _sig(np.dot(_sig(np.dot(x, got["W1"]) + got["b1"]), got["W2"]) + got["b2"])
    np.testing.assert_allclose(y, _softmax(np.dot(z, got["W3"]) + got["b3"]), rtol=1e-5)
    assert y.dtype == np.float32 and y.shape == (7, 5)
    np.testing.assert_allclose(predict(got, x[2]), y[2], rtol=1e-6)


def test_the_network_is_checked(tmp_path: Path) -> None:
    network = _network(np.random.RandomState(0))
    with pytest.raises(ValueError, match="has no b3"):
        check_network({k: v for k, v in network.items() if k != "b3"})
    with pytest.raises(ValueError, match="W2 has 5 rows, the layer before gives 4"):
        check_network({**network, "W2": np.zeros((5, 3))})
    with pytest.raises(ValueError, match="b1 has 2 entries, W1 has 4 columns"):
        check_network({**network, "b1": np.zeros(2)})
    with pytest.raises(ValueError, match="x has 3 features, the net takes 6"):
        predict(network, np.zeros((2, 3)))
    path = tmp_path / "w.pkl"
    path.write_bytes(pickle.dumps({"W1": np.zeros((2, 2))}))
    with pytest.raises(ValueError, match=f"{path} has no b1, W2"):
        init_network(path)
    with pytest.raises(FileNotFoundError, match="no weight file"):
        init_network(tmp_path / "none.pkl")


@pytest.mark.skipif(
    not (BOOK / "ch03" / "sample_weight.pkl").is_file(), reason=f"no book at {BOOK}"
)
def test_the_book_s_weights_classify_the_digits() -> None:
    from pyref.datasets import load_mnist

    network = init_network(BOOK / "ch03" / "sample_weight.pkl")
    assert network["W1"].shape == (784, 50) and network["W1"].dtype == np.float32
    (_, _), (x, t) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
    y = predict(network, x[:500])
    assert np.mean(np.argmax(y, axis=1) == t[:500]) > 0.85  # the book reports 0.9352 on all


def test_simple_net_draws_w_and_its_loss_is_the_cross_entropy() -> None:
    net = SimpleNet(rng=np.random.RandomState(0))
    np.testing.assert_array_equal(net.W, np.random.RandomState(0).randn(2, 3))
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    p = np.dot(x, net.W)
    np.testing.assert_array_equal(net.predict(x), p)
    assert net.loss(x, t) == pytest.approx(-np.log(_softmax(p)[2] + 1e-7), rel=1e-12)
    np.random.seed(5)
    assert np.array_equal(SimpleNet().W, np.random.RandomState(5).randn(2, 3))
    with pytest.raises(ValueError, match="x has 3 features"):
        net.predict(np.zeros(3))


def test_the_two_layer_net_draws_in_the_book_s_order_and_its_gradients_agree() -> None:
    net = SigmoidTwoLayerNet(5, 4, 3, rng=np.random.RandomState(2))
    rs = np.random.RandomState(2)
    np.testing.assert_array_equal(net.params["W1"], 0.01 * rs.randn(5, 4))
    np.testing.assert_array_equal(net.params["W2"], 0.01 * rs.randn(4, 3))
    assert not net.params["b1"].any() and net.params["b2"].shape == (3,)
    net = SigmoidTwoLayerNet(5, 4, 3, weight_init_std=0.5, rng=np.random.RandomState(3))
    x = np.random.RandomState(4).randn(7, 5)
    t = np.eye(3)[np.arange(7) % 3]
    y = net.predict(x)
    a1 = np.dot(x, net.params["W1"]) + net.params["b1"]
    np.testing.assert_allclose(y, _softmax(np.dot(_sig(a1), net.params["W2"]) + net.params["b2"]))
    assert net.loss(x, t) == pytest.approx(
        -np.sum(np.log(y[np.arange(7), np.arange(7) % 3] + 1e-7)) / 7
    )
    assert net.accuracy(x, t) == np.mean(np.argmax(y, axis=1) == np.arange(7) % 3)
    grads, numerical = net.gradient(x, t), net.numerical_gradient(x, t)
    assert list(grads) == ["W2", "b2", "W1", "b1"]  # the book's order
    for key in ("W1", "b1", "W2", "b2"):
        assert grads[key].shape == net.params[key].shape
        np.testing.assert_allclose(grads[key], numerical[key], atol=1e-7)


def test_the_two_layer_net_checks_its_arguments() -> None:
    net = SigmoidTwoLayerNet(5, 4, 3, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        SigmoidTwoLayerNet(5, 0, 3)
    with pytest.raises(ValueError, match="output_size must be >= 2"):
        SigmoidTwoLayerNet(5, 4, 1)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 5\)"):
        net.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="t must be one-hot rows of shape"):
        net.accuracy(np.zeros((2, 5)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="t must be one-hot rows of shape"):
        net.gradient(np.zeros((2, 5)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="t must be"):
        net.loss(np.zeros((2, 5)), np.array([0, 1, 2]))
