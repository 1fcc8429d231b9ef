"""The book's nets written with plain functions, before chapter 5's layers: 3.6's
three-layer inference on the trained weights of ``sample_weight.pkl``
(``init_network``, ``predict``), 4.4.2's ``simpleNet`` and 4.5's two-layer net
(ch04/two_layer_net.py's ``TwoLayerNet``; pyref's name ``SigmoidTwoLayerNet`` keeps it
apart from chapter 5's, built of layers).

Weights are drawn from ``rng`` (numpy's global stream by default) in the book's
order: simpleNet's W = randn(2, 3); the two-layer net's W1 = std · randn(input,
hidden), then W2 = std · randn(hidden, output); biases are zeros.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from pyref.checks import check_array, check_batch, check_positive_int, check_real
from pyref.fileio import read_arrays
from pyref.functions import (
    _check_probabilities_and_labels,
    _cross_entropy_error,
    numerical_gradient,
    sigmoid,
    sigmoid_grad,
    softmax,
)
from pyref.rng import resolve_rng

#: The weights of 3.6's net, in the order its layers use them.
SAMPLE_NETWORK_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
#: The book's file of them (ch03/sample_weight.pkl, read from the user's checkout).
SAMPLE_WEIGHT_FILE = "sample_weight.pkl"
#: The two-layer net's default weight scale (the book's weight_init_std=0.01).
TWO_LAYER_WEIGHT_INIT_STD = 0.01
#: The parameters of the two-layer net, in the book's order.
TWO_LAYER_PARAM_NAMES = ("W1", "b1", "W2", "b2")


def init_network(path: str | os.PathLike = SAMPLE_WEIGHT_FILE) -> dict[str, np.ndarray]:
    """The trained weights of 3.6's net from ``path`` (the book's sample_weight.pkl,
    read by the restricted unpickler, or an .npz of the same arrays), as the file
    holds them (float32 in the book's file).

    Returns:
        ``{"W1": (784, 50), "b1": (50,), "W2": (50, 100), "b2": (100,), "W3": (100, 10),
        "b3": (10,)}`` in the file's order. A file without one of them, or with
        shapes that do not chain, is a ValueError naming it.
    """
    network = read_arrays(path, "weight file")
    return check_network(network, source=str(path))


def check_network(
    network: Mapping[str, np.ndarray], source: str = "network"
) -> dict[str, np.ndarray]:
    """``network`` as 3.6's net takes it: W1, b1, W2, b2, W3, b3, each W a matrix whose
    rows match the previous layer's width and each b a vector of its W's width;
    ValueError naming ``source`` and the entry otherwise."""
    if not isinstance(network, Mapping):
        raise TypeError(f"network must be a dict of arrays, not {type(network).__name__}")
    missing = [k for k in SAMPLE_NETWORK_NAMES if k not in network]
    if missing:
        raise ValueError(f"{source} has no {', '.join(missing)}; the net needs W1, b1 .. W3, b3")
    width = None
    for idx in (1, 2, 3):
        W = check_array(f"{source}: W{idx}", network[f"W{idx}"], ndim=2)
        b = check_array(f"{source}: b{idx}", network[f"b{idx}"], ndim=1)
        if width is not None and W.shape[0] != width:
            raise ValueError(
                f"{source}: W{idx} has {W.shape[0]} rows, the layer before gives {width}"
            )
        if b.shape[0] != W.shape[1]:
            raise ValueError(
                f"{source}: b{idx} has {b.shape[0]} entries, W{idx} has {W.shape[1]} columns"
            )
        width = W.shape[1]
    return dict(network)


def predict(network: Mapping[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """3.6's forward pass: a1 = x·W1 + b1, z1 = sigmoid(a1), a2 = z1·W2 + b2, z2 =
    sigmoid(a2), a3 = z2·W3 + b3, y = softmax(a3).

    Args:
        network: the weights, as :func:`init_network` returns them.
        x: one sample (features,) or a batch (N, features), of W1's rows.

    Returns:
        The class probabilities, (classes,) or (N, classes), in x's and the weights'
        floating-point type (float32 for the book's file and data).
    """
    network = check_network(network)
    x = check_array("x", x, ndim=(1, 2), finite=False)
    if x.shape[-1] != network["W1"].shape[0]:
        raise ValueError(f"x has {x.shape[-1]} features, the net takes {network['W1'].shape[0]}")
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]
    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    return softmax(a3)


class SimpleNet:
    """4.4.2's simpleNet: one weight matrix W (2, 3) drawn as randn(2, 3); predict is
    x·W, loss the cross-entropy of its softmax."""

    def __init__(self, *, rng: np.random.RandomState | None = None) -> None:
        self.W = resolve_rng(rng).randn(2, 3)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """x·W: scores (3,) for one sample (2,), or (N, 3) for (N, 2)."""
        x = check_array("x", x, ndim=(1, 2), finite=False)
        if x.shape[-1] != self.W.shape[0]:
            raise ValueError(f"x has {x.shape[-1]} features, the net takes {self.W.shape[0]}")
        return np.dot(x, self.W)

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Cross-entropy of softmax(x·W) against labels or one-hot ``t``."""
        y = softmax(self.predict(x))
        _check_probabilities_and_labels(y, t)
        return _cross_entropy_error(y, t)


class SigmoidTwoLayerNet:
    """ch04's TwoLayerNet: affine - sigmoid - affine - softmax, with the loss's
    gradient by central differences (``numerical_gradient``) or by hand (``gradient``).

    Args:
        input_size, hidden_size, output_size: the layers' widths.
        weight_init_std: the scale of the drawn weights.
        rng: the stream the weights are drawn from (numpy's global one by default).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float = TWO_LAYER_WEIGHT_INIT_STD,
        *,
        rng: np.random.RandomState | None = None,
    ) -> None:
        input_size = check_positive_int("input_size", input_size)
        hidden_size = check_positive_int("hidden_size", hidden_size)
        output_size = check_positive_int("output_size", output_size)
        if output_size < 2:
            raise ValueError(
                f"output_size must be >= 2 (softmax over one class is always 1), got {output_size}"
            )
        weight_init_std = check_real("weight_init_std", weight_init_std)
        r = resolve_rng(rng)
        self.params: dict[str, np.ndarray] = {}
        self.params["W1"] = weight_init_std * r.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = weight_init_std * r.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        x = check_batch("x", x)
        if x.ndim != 2 or x.shape[1] != self.params["W1"].shape[0]:
            raise ValueError(f"x must have shape (N, {self.params['W1'].shape[0]}), got {x.shape}")
        return x

    def _predict(self, x: np.ndarray) -> np.ndarray:
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        return softmax(a2)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (N, output_size) of a batch x (N, input_size)."""
        return self._predict(self._check_x(x))

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Cross-entropy of the predictions against labels or one-hot rows ``t``."""
        y = self.predict(x)
        _check_probabilities_and_labels(y, t)
        return _cross_entropy_error(y, t)

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """The fraction of samples whose most probable class is ``t``'s (one-hot rows,
        as the book's accuracy takes them)."""
        y = self.predict(x)
        t = check_array("t", t, ndim=2)
        if t.shape != y.shape:
            raise ValueError(f"t must be one-hot rows of shape {y.shape}, got {t.shape}")
        y = np.argmax(y, axis=1)
        t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """The loss's gradient by central differences, W1, b1, W2, b2 in turn (slow)."""
        x = self._check_x(x)
        _check_probabilities_and_labels(self._predict(x), t)

        def loss_w(_: np.ndarray) -> float:
            return _cross_entropy_error(self._predict(x), t)

        return {key: numerical_gradient(loss_w, self.params[key]) for key in TWO_LAYER_PARAM_NAMES}

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """The loss's gradient by backpropagation, written out: dy = (y - t) / N, then
        W2, b2, the sigmoid's derivative, W1, b1 (one-hot ``t``: the book subtracts it).

        Returns:
            ``{"W1", "b1", "W2", "b2"}``, each of its parameter's shape.
        """
        x = self._check_x(x)
        t = check_array("t", t, ndim=2)
        W1, W2 = self.params["W1"], self.params["W2"]
        if t.shape != (x.shape[0], W2.shape[1]):
            raise ValueError(
                f"t must be one-hot rows of shape {(x.shape[0], W2.shape[1])}, got {t.shape}"
            )
        b1, b2 = self.params["b1"], self.params["b2"]
        grads: dict[str, np.ndarray] = {}
        batch_num = x.shape[0]
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)
        dy = (y - t) / batch_num
        grads["W2"] = np.dot(z1.T, dy)
        grads["b2"] = np.sum(dy, axis=0)
        dz1 = np.dot(dy, W2.T)
        da1 = sigmoid_grad(a1) * dz1
        grads["W1"] = np.dot(x.T, da1)
        grads["b1"] = np.sum(da1, axis=0)
        return grads
