"""The assignment's fully-connected classifiers, built from the layer pairs.

Both keep their parameters in ``self.params`` (``W1``, ``b1``, ... and, with
normalisation, ``gamma1``, ``beta1``, ...) and have ``loss(X, y=None)``: scores
without labels, ``(loss, grads)`` with them, for the Solver. Weights are drawn with
``weight_scale * np.random.randn(in, out)`` from numpy's global stream, layer by
layer; biases and shifts are zeros, scales ones. L2 regularisation adds
``0.5 * reg * sum(W * W)`` per weight matrix to the loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.checks import (
    check_array,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_real,
)
from pyref.cs231n.layer_utils import (
    affine_bn_relu_backward,
    affine_bn_relu_forward,
    affine_ln_relu_backward,
    affine_ln_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from pyref.cs231n.layers import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    softmax_loss,
)

#: FullyConnectedNet's normalisations (None: none).
NORMALIZATIONS = ("batchnorm", "layernorm")

#: The dtypes the nets compute in.
DTYPES = (np.float32, np.float64)


def _check_labels(y: object, n: int) -> np.ndarray:
    y = check_array("y", y, ndim=1)
    if y.shape != (n,):
        raise ValueError(f"y has {y.shape[0]} labels for {n} samples")
    return y


def _check_input(X: object, d: int) -> np.ndarray:
    X = check_array("X", X, finite=False)
    if X.ndim < 2 or X.shape[0] == 0 or int(np.prod(X.shape[1:])) != d:
        raise ValueError(
            f"X must be samples of {d} values, shape (N, d_1, ..., d_k), got {X.shape}"
        )
    return X


class TwoLayerNet:
    """affine - relu - affine - softmax, with L2 regularisation.

    Attributes:
        params: 'W1' (D, H), 'b1' (H,), 'W2' (H, C), 'b2' (C,).
        reg: the L2 strength.
    """

    def __init__(
        self,
        input_dim: int = 3 * 32 * 32,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
    ) -> None:
        """A new net, its weights drawn W1 then W2.

        Args:
            input_dim: D, the size of an input.
            hidden_dim: H, the size of the hidden layer.
            num_classes: C.
            weight_scale: the standard deviation of the weights, > 0.
            reg: the L2 regularisation strength, >= 0.
        """
        dims = [
            check_positive_int(n, v)
            for n, v in (
                ("input_dim", input_dim),
                ("hidden_dim", hidden_dim),
                ("num_classes", num_classes),
            )
        ]
        weight_scale = check_positive("weight_scale", weight_scale)
        self.reg = check_nonnegative("reg", reg)
        self.params: dict[str, np.ndarray] = {}
        for i in (1, 2):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores, or the loss and its gradients.

        Args:
            X: inputs, shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D.
            y: labels, shape (N,), or None.

        Returns:
            scores (N, C) when y is None, else (loss, grads): a float and a dict of
            each parameter's gradient, of its shape.
        """
        X = _check_input(X, self.params["W1"].shape[0])
        h, cache1 = affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, cache2 = affine_forward(h, self.params["W2"], self.params["b2"])
        if y is None:
            return scores
        y = _check_labels(y, X.shape[0])
        W1, W2 = self.params["W1"], self.params["W2"]
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dh, grads["W2"], grads["b2"] = affine_backward(dscores, cache2)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dh, cache1)
        grads["W2"] += self.reg * W2
        grads["W1"] += self.reg * W1
        return loss, grads


class FullyConnectedNet:
    """{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax.

    Attributes:
        params: 'W1' ... 'WL', 'b1' ... 'bL', and with normalisation 'gamma1' ...,
            'beta1' ... for the L - 1 hidden layers.
        num_layers: L.
        reg, dtype, normalization, use_dropout: as given.
        dropout_param: the dict passed to every dropout layer ('mode', 'p', 'seed').
        bn_params: one dict per normalised layer (its running averages for batchnorm).
    """

    def __init__(
        self,
        hidden_dims: list[int],
        input_dim: int = 3 * 32 * 32,
        num_classes: int = 10,
        dropout: float = 1,
        normalization: str | None = None,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype: Any = np.float32,
        seed: int | None = None,
    ) -> None:
        """A new net, its weights drawn W1, W2, ... in turn.

        Args:
            hidden_dims: the sizes of the hidden layers (a list of ints >= 1).
            input_dim: the size of an input.
            num_classes: the number of classes.
            dropout: the probability of keeping a unit, in (0, 1]; 1 means no dropout
                (the assignment's convention since 2019).
            normalization: 'batchnorm', 'layernorm' or None.
            reg: the L2 regularisation strength, >= 0.
            weight_scale: the standard deviation of the weights, > 0.
            dtype: np.float32 or np.float64, what every computation uses.
            seed: if not None, the dropout layers seed numpy's stream with it at
                every pass (deterministic, for gradient checks).
        """
        if not isinstance(hidden_dims, (list, tuple)):
            raise TypeError(f"hidden_dims must be a list of ints, not {type(hidden_dims).__name__}")
        hidden = [check_positive_int(f"hidden_dims[{i}]", h) for i, h in enumerate(hidden_dims)]
        dims = [
            check_positive_int("input_dim", input_dim),
            *hidden,
            check_positive_int("num_classes", num_classes),
        ]
        dropout = check_real("dropout", dropout)
        if not 0 < dropout <= 1:
            raise ValueError(f"dropout is the keep probability, in (0, 1], got {dropout}")
        if normalization is not None and normalization not in NORMALIZATIONS:
            raise ValueError(
                f"unknown normalization {normalization!r}; choose from batchnorm, layernorm or None"
            )
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
        weight_scale = check_positive("weight_scale", weight_scale)
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = check_nonnegative("reg", reg)
        self.num_layers = len(dims) - 1
        self.dtype = dtype
        self.params: dict[str, np.ndarray] = {}
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
            if normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
        self.dropout_param: dict[str, Any] = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params: list[dict[str, Any]] = []
        if normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        elif normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores (test mode), or the loss and its gradients (train mode).

        Args:
            X: inputs, shape (N, d_1, ..., d_k) with d_1 * ... * d_k = input_dim.
            y: labels, shape (N,), or None.

        Returns:
            scores (N, C) when y is None, else (loss, grads): a float and a dict of
            each parameter's gradient, of its shape.
        """
        X = _check_input(X, self.params["W1"].shape[0]).astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        p = self.params
        caches = []
        h = X
        for i in range(1, self.num_layers):
            w, b = p[f"W{i}"], p[f"b{i}"]
            if self.normalization == "batchnorm":
                h, cache = affine_bn_relu_forward(
                    h, w, b, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1]
                )
            elif self.normalization == "layernorm":
                h, cache = affine_ln_relu_forward(
                    h, w, b, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1]
                )
            else:
                h, cache = affine_relu_forward(h, w, b)
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((cache, drop_cache))
        last = self.num_layers
        scores, last_cache = affine_forward(h, p[f"W{last}"], p[f"b{last}"])
        if y is None:
            return scores
        y = _check_labels(y, X.shape[0])
        loss, dscores = softmax_loss(scores, y)
        for i in range(1, self.num_layers + 1):
            w = p[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(w * w)
        grads: dict[str, np.ndarray] = {}
        dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
        for i in range(self.num_layers - 1, 0, -1):
            cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            if self.normalization == "batchnorm":
                dh, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = (
                    affine_bn_relu_backward(dh, cache)
                )
            elif self.normalization == "layernorm":
                dh, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = (
                    affine_ln_relu_backward(dh, cache)
                )
            else:
                dh, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dh, cache)
        for i in range(1, self.num_layers + 1):
            grads[f"W{i}"] += self.reg * p[f"W{i}"]
        return loss, grads
