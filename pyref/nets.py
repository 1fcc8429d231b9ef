"""The book's fully connected nets: chapter 5's two-layer net of layers
(LayeredTwoLayerNet, the book's ch05 TwoLayerNet), MultiLayerNet (6.2, 6.4.1) and
MultiLayerNetExtend (6.3, 6.4.3), with L2 weight decay as in the book, L1 selectable,
Dropout and Batch Normalization.

Weights are drawn at construction, W1 first, each as ``scale * randn(n_in, n_out)``
from the given ``rng`` (numpy's global stream by default), exactly as the book does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from pyref.checks import (
    check_array,
    check_batch,
    check_choice,
    check_flag,
    check_labels,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_unit_interval,
)
from pyref.functions import numerical_gradient
from pyref.initialization import WeightInit, weight_scale
from pyref.layers import ACTIVATIONS, Affine, BatchNormalization, Dropout, Relu, SoftmaxWithLoss
from pyref.rng import resolve_rng

#: The std of chapter 5's TwoLayerNet's initial weights (the book's weight_init_std=0.01).
TWO_LAYER_WEIGHT_INIT_STD = 0.01
#: Its parameters, in the order they are made, and the layers holding them.
TWO_LAYER_PARAM_NAMES = ("W1", "b1", "W2", "b2")

#: Weight decay penalties: 'l2' adds lambda/2 * sum(W**2) (the book's), 'l1' lambda * sum(|W|).
WEIGHT_DECAY_KINDS = ("l2", "l1")


#: Weights below this magnitude have a finite sum of squares in any array numpy can
#: hold (each square < 1e280), so a zero decay term is 0.0 without being summed.
_PENALTY_SAFE_MAGNITUDE = 1e140


class MultiLayerNetExtend:
    """Fully connected net: (Affine [BatchNorm] Activation [Dropout]) x hidden, Affine, Softmax.

    Arguments are the book's (``dropout_ration`` keeps the book's spelling;
    ``dropout_ratio`` is accepted too), plus ``weight_decay`` ('l2' or 'l1') and ``rng``.
    Parameters live in ``params`` ('W1', 'b1', ..., then 'gamma1', 'beta1', ...);
    the layers hold references to the same arrays, so in-place optimizer updates
    reach them.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str = "relu",
        weight_init_std: WeightInit = "relu",
        weight_decay_lambda: float = 0,
        use_dropout: bool = False,
        dropout_ration: float = 0.5,
        use_batchnorm: bool = False,
        *,
        dropout_ratio: float | None = None,
        weight_decay: str = "l2",
        rng: np.random.RandomState | None = None,
    ) -> None:
        """A net with the given sizes, its weights drawn in the book's order.

        Args:
            input_size: features per sample, >= 1.
            hidden_size_list: units of each hidden layer, each >= 1.
            output_size: classes, >= 2.
            activation: "relu", "sigmoid" or "tanh".
            weight_init_std: "relu"/"he", "sigmoid"/"xavier", or a number (the std).
            weight_decay_lambda: the decay's weight, >= 0.
            use_dropout: Dropout after each hidden activation.
            dropout_ration: its ratio, in [0, 1) (the book's spelling).
            use_batchnorm: Batch Normalization after each hidden Affine.
            dropout_ratio: the same as ``dropout_ration``, spelt right.
            weight_decay: "l2" or "l1".
            rng: the random stream, or None for numpy's global one (the book's).
        """
        self.input_size = check_positive_int("input_size", input_size)
        self.output_size = check_positive_int("output_size", output_size)
        if self.output_size < 2:
            raise ValueError(
                f"output_size must be >= 2 (softmax over one class is always 1), got {output_size}"
            )
        if isinstance(hidden_size_list, (str, bytes)) or not hasattr(hidden_size_list, "__iter__"):
            raise TypeError("hidden_size_list must be a list of layer sizes")
        self.hidden_size_list = [
            check_positive_int("hidden_size_list", n) for n in hidden_size_list
        ]
        self.hidden_layer_num = len(self.hidden_size_list)
        self.activation = check_choice("activation", activation, tuple(ACTIVATIONS))
        self.weight_decay_lambda = check_nonnegative("weight_decay_lambda", weight_decay_lambda)
        self.weight_decay = check_choice("weight_decay", weight_decay, WEIGHT_DECAY_KINDS)
        if dropout_ratio is not None:
            dropout_ration = dropout_ratio
        self.dropout_ratio = check_unit_interval("dropout_ratio", dropout_ration)
        self.use_dropout = check_flag("use_dropout", use_dropout)
        self.use_batchnorm = check_flag("use_batchnorm", use_batchnorm)
        self.rng = rng
        self.params: dict[str, np.ndarray] = {}

        sizes = [self.input_size, *self.hidden_size_list, self.output_size]
        r = resolve_rng(rng)
        for idx in range(1, len(sizes)):
            scale = weight_scale(weight_init_std, sizes[idx - 1])
            self.params[f"W{idx}"] = scale * r.randn(sizes[idx - 1], sizes[idx])
            self.params[f"b{idx}"] = np.zeros(sizes[idx])

        self.layers: OrderedDict[str, object] = OrderedDict()
        for idx in range(1, self.hidden_layer_num + 1):
            self.layers[f"Affine{idx}"] = Affine(self.params[f"W{idx}"], self.params[f"b{idx}"])
            if self.use_batchnorm:
                n = self.hidden_size_list[idx - 1]
                self.params[f"gamma{idx}"] = np.ones(n)
                self.params[f"beta{idx}"] = np.zeros(n)
                self.layers[f"BatchNorm{idx}"] = BatchNormalization(
                    self.params[f"gamma{idx}"], self.params[f"beta{idx}"]
                )
            self.layers[f"Activation_function{idx}"] = ACTIVATIONS[self.activation]()
            if self.use_dropout:
                self.layers[f"Dropout{idx}"] = Dropout(self.dropout_ratio, rng=rng)
        idx = self.hidden_layer_num + 1
        self.layers[f"Affine{idx}"] = Affine(self.params[f"W{idx}"], self.params[f"b{idx}"])
        self.last_layer = SoftmaxWithLoss()

    # -- checks -------------------------------------------------------------

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        x = check_array("x", x, ndim=(2, 4))
        check_batch("x", x)
        if int(np.prod(x.shape[1:])) != self.input_size:
            raise ValueError(
                f"x has {np.prod(x.shape[1:])} features per sample, net takes {self.input_size}"
            )
        return x

    def _check_xt(self, x: np.ndarray, t: np.ndarray) -> None:
        self._check_x(x)
        check_labels("t", t, x.shape[0], self.output_size)

    # -- forward ------------------------------------------------------------

    def _forward(self, x: np.ndarray, train_flg: bool) -> np.ndarray:
        for layer in self.layers.values():
            if isinstance(layer, (Dropout, BatchNormalization)):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def predict(self, x: np.ndarray, train_flg: bool = False) -> np.ndarray:
        """Scores (before softmax) for each sample.

        Args:
            x: inputs, shape (N, input_size).
            train_flg: True for training mode (dropout masks drawn, batch statistics).

        Returns:
            scores: shape (N, output_size).
        """
        return self._forward(self._check_x(x), train_flg)

    def weight_decay_penalty(self) -> float:
        """The decay term added to the loss, summed over W1..W(L+1) in order.

        Returns:
            0.5·λ·Σ W² (l2) or λ·Σ |W| (l1), a float.
        """
        penalty = 0
        if self._penalty_is_zero():
            return np.float64(0.0)  # what the sums below come to, without a pass over W**2
        if self.weight_decay == "l2":
            for idx in range(1, self.hidden_layer_num + 2):
                W = self.params[f"W{idx}"]
                penalty += 0.5 * self.weight_decay_lambda * np.sum(W**2)
        else:
            for idx in range(1, self.hidden_layer_num + 2):
                W = self.params[f"W{idx}"]
                penalty += self.weight_decay_lambda * np.sum(np.abs(W))
        return penalty

    def _penalty_is_zero(self) -> bool:
        """Whether lambda is 0 and every W is finite and below _PENALTY_SAFE_MAGNITUDE, so
        that each term is 0 * (a finite sum) = 0.0 (a NaN, an infinity or an overflowing
        sum would make it NaN: then the terms are computed)."""
        if self.weight_decay_lambda != 0:
            return False
        for idx in range(1, self.hidden_layer_num + 2):
            W = self.params[f"W{idx}"]  # NaN fails both comparisons
            if W.size and not (
                -_PENALTY_SAFE_MAGNITUDE < W.min() and W.max() < _PENALTY_SAFE_MAGNITUDE
            ):
                return False
        return True

    def loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool = False) -> float:
        """Cross-entropy of the predictions plus the weight-decay penalty.

        Args:
            x: inputs, shape (N, input_size) (or (N, d_1, ...) flattening to it).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).
            train_flg: True for training mode.

        Returns:
            loss: a float.
        """
        self._check_xt(x, t)
        return self._loss(x, t, train_flg)

    def _loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool) -> float:
        """loss for checked x and t (the last layer's scores are the net's own)."""
        return (
            self.last_layer._forward(self._forward(x, train_flg), t) + self.weight_decay_penalty()
        )

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of samples whose highest score is the label (test mode).

        Args:
            x: inputs, shape (N, input_size) (or (N, d_1, ...) flattening to it).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            accuracy: a float in [0, 1].
        """
        self._check_xt(x, t)
        y = np.argmax(self._forward(x, False), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    # -- gradients ----------------------------------------------------------

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the loss by backpropagation, in training mode (dropout masks
        are drawn, batch statistics used and running averages updated).

        Args:
            x: inputs, shape (N, input_size) (or (N, d_1, ...) flattening to it).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            grads: parameter name -> gradient, each the shape of ``params[name]``.
        """
        self._check_xt(x, t)
        # Forward through the layers; the penalty's value is not needed for its gradient.
        self.last_layer._forward(self._forward(x, True), t)
        dout = self.last_layer.backward(1)
        layers = list(self.layers.values())
        for layer in reversed(layers[1:]):
            dout = layer.backward(dout)
        layers[0].backward(dout, need_dx=False)  # Affine1: the input's gradient is not needed

        lam = self.weight_decay_lambda
        grads: dict[str, np.ndarray] = {}
        for idx in range(1, self.hidden_layer_num + 2):
            affine = self.layers[f"Affine{idx}"]
            W = self.params[f"W{idx}"]
            if self.weight_decay == "l2":
                grads[f"W{idx}"] = affine.dW + lam * W
            else:
                grads[f"W{idx}"] = affine.dW + lam * np.sign(W)
            grads[f"b{idx}"] = affine.db
            if self.use_batchnorm and idx != self.hidden_layer_num + 1:
                bn = self.layers[f"BatchNorm{idx}"]
                grads[f"gamma{idx}"] = bn.dgamma
                grads[f"beta{idx}"] = bn.dbeta
        return grads

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients by central differences of the training-mode loss (slow; for checks).

        Args:
            x: inputs, shape (N, input_size) (or (N, d_1, ...) flattening to it).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            grads: parameter name -> gradient, each the shape of ``params[name]``.
        """
        self._check_xt(x, t)

        # x and t are checked once, here, not at each of the two calls per entry; a
        # loss replaced on the instance or in a subclass is called as the book does.
        own = "loss" not in vars(self) and type(self).loss is MultiLayerNetExtend.loss

        def loss_w(_: np.ndarray) -> float:
            return self._loss(x, t, True) if own else self.loss(x, t, train_flg=True)

        grads: dict[str, np.ndarray] = {}
        for idx in range(1, self.hidden_layer_num + 2):
            grads[f"W{idx}"] = numerical_gradient(loss_w, self.params[f"W{idx}"])
            grads[f"b{idx}"] = numerical_gradient(loss_w, self.params[f"b{idx}"])
            if self.use_batchnorm and idx != self.hidden_layer_num + 1:
                grads[f"gamma{idx}"] = numerical_gradient(loss_w, self.params[f"gamma{idx}"])
                grads[f"beta{idx}"] = numerical_gradient(loss_w, self.params[f"beta{idx}"])
        return grads


class MultiLayerNet(MultiLayerNetExtend):
    """The book's plain fully connected net: (Affine Activation) x hidden, Affine, Softmax,
    with weight decay; no Dropout, no Batch Normalization."""

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str = "relu",
        weight_init_std: WeightInit = "relu",
        weight_decay_lambda: float = 0,
        *,
        weight_decay: str = "l2",
        rng: np.random.RandomState | None = None,
    ) -> None:
        """A net with the given sizes, its weights drawn in the book's order.

        Args:
            input_size, hidden_size_list, output_size, activation, weight_init_std,
            weight_decay_lambda, weight_decay, rng: as MultiLayerNetExtend's.
        """
        super().__init__(
            input_size,
            hidden_size_list,
            output_size,
            activation=activation,
            weight_init_std=weight_init_std,
            weight_decay_lambda=weight_decay_lambda,
            weight_decay=weight_decay,
            rng=rng,
        )


class LayeredTwoLayerNet:
    """Chapter 5's TwoLayerNet (5.7.2): Affine1, Relu1, Affine2 in an OrderedDict, then
    softmax-with-loss, with gradients by backpropagation or by central differences.

    The book's arguments and defaults, plus ``rng``. Weights are drawn W1 then W2, each
    ``weight_init_std * randn(n_in, n_out)``; biases are zeros. Parameters live in
    ``params`` ('W1', 'b1', 'W2', 'b2'); the layers hold the same arrays, so the
    book's in-place updates (``params[key] -= lr * grad[key]``) reach them.

    Notes:
        Bit for bit the book's: the same layers (pyref's Affine, Relu and
        SoftmaxWithLoss compute as common/layers.py), the same draws, no weight-decay
        term (so no ``dW + 0 * W`` that would turn a -0.0 into +0.0, as
        MultiLayerNet's gradient would).
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
        """A net with the given sizes, W1 then W2 drawn as the book draws them.

        Args:
            input_size: features per sample, >= 1.
            hidden_size: units of the hidden layer, >= 1.
            output_size: classes, >= 2.
            weight_init_std: the std of the initial weights, > 0.
            rng: the random stream, or None for numpy's global one (the book's).
        """
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.output_size = check_positive_int("output_size", output_size)
        if self.output_size < 2:
            raise ValueError(
                f"output_size must be >= 2 (softmax over one class is always 1), got {output_size}"
            )
        std = check_positive("weight_init_std", weight_init_std)
        r = resolve_rng(rng)
        self.params: dict[str, np.ndarray] = {}
        self.params["W1"] = std * r.randn(self.input_size, self.hidden_size)
        self.params["b1"] = np.zeros(self.hidden_size)
        self.params["W2"] = std * r.randn(self.hidden_size, self.output_size)
        self.params["b2"] = np.zeros(self.output_size)

        self.layers: OrderedDict[str, object] = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        x = check_array("x", x, ndim=2)
        check_batch("x", x)
        if x.shape[1] != self.input_size:
            raise ValueError(
                f"x has {x.shape[1]} features per sample, net takes {self.input_size}"
            )
        return x

    def _check_xt(self, x: np.ndarray, t: np.ndarray) -> None:
        self._check_x(x)
        check_labels("t", t, x.shape[0], self.output_size)

    def _predict(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores (before softmax) for each row.

        Args:
            x: inputs, shape (N, input_size).

        Returns:
            scores: shape (N, output_size).
        """
        return self._predict(self._check_x(x))

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Mean cross-entropy of the predictions.

        Args:
            x: inputs, shape (N, input_size).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            loss: a float.
        """
        self._check_xt(x, t)
        return self.last_layer._forward(self._predict(x), t)

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of rows whose highest score is the label: np.sum(y == t) / N.

        Args:
            x: inputs, shape (N, input_size).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            accuracy: a float in [0, 1].
        """
        self._check_xt(x, t)
        y = np.argmax(self._predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients by central differences of the loss, W1, b1, W2, b2 in turn (slow).

        Args:
            x: inputs, shape (N, input_size).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            grads: "W1", "b1", "W2", "b2" -> gradients, the params' shapes.
        """
        self._check_xt(x, t)

        def loss_w(_: np.ndarray) -> float:
            return self.last_layer._forward(self._predict(x), t)

        return {key: numerical_gradient(loss_w, self.params[key]) for key in TWO_LAYER_PARAM_NAMES}

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the loss by backpropagation (the book's order: the loss's
        forward pass, then each layer's backward pass from the last).

        Args:
            x: inputs, shape (N, input_size).
            t: labels, shape (N,) of ints in [0, output_size), or one-hot (N, output_size).

        Returns:
            grads: "W1", "b1", "W2", "b2" -> gradients, the params' shapes.
        """
        self._check_xt(x, t)
        self.last_layer._forward(self._predict(x), t)
        dout = self.last_layer.backward(1)
        layers = list(self.layers.values())
        for layer in reversed(layers[1:]):
            dout = layer.backward(dout)
        layers[0].backward(dout, need_dx=False)  # Affine1: the input's gradient is not needed
        grads: dict[str, np.ndarray] = {}
        grads["W1"], grads["b1"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W2"], grads["b2"] = self.layers["Affine2"].dW, self.layers["Affine2"].db
        return grads
