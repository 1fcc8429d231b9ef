"""The book's DeepConvNet (8.1): six 3×3 convolutions with ReLU, max pooling after
every second one, then affine - relu - dropout - affine - dropout - softmax.

Weights are drawn at construction from ``rng`` (numpy's global stream by default)
in the book's order, W1 … W6 (the convolutions' filters) then W7 and W8 (the affine
layers), each He-scaled: ``sqrt(2 / pre_node_nums[i]) * randn(...)``, with the
book's own ``pre_node_nums`` (``DEEP_PRE_NODE_NUMS``); biases are zeros. The Dropout
layers draw their masks from the same ``rng``. Parameters are saved as ``.npz``
(never pickle) with SimpleConvNet's ``save_param_file`` and read back with its
``load_param_file``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyref.checks import check_flag, check_positive_int
from pyref.convnet import (
    CONVNET_INPUT_DIM,
    CONVNET_OUTPUT_SIZE,
    CONVNET_PARAMS_FILE,
    ImageNet,
    _conv_params,
    _input_dims,
    check_params,
    load_param_file,
    save_param_file,
)
from pyref.convolution import POOL_SIZE, Convolution, Pooling, window_output_size
from pyref.layers import Affine, Dropout, Relu, SoftmaxWithLoss
from pyref.rng import resolve_rng

#: The book's six convolutions: 16, 16, 32, 32, 64, 64 filters of 3×3, stride 1, pad 1
#: (the fourth pads by 2, so that 14×14 becomes 16×16 and pools to 8×8).
DEEP_CONV_PARAMS: tuple[Mapping[str, int], ...] = (
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
)
DEEP_HIDDEN_SIZE = 50
#: The book's connections per neuron of each layer's inputs, fixed whatever the
#: arguments (the book's TODO: "compute automatically"); the last is hidden_size.
DEEP_PRE_NODE_NUMS = (1 * 3 * 3, 16 * 3 * 3, 16 * 3 * 3, 32 * 3 * 3, 32 * 3 * 3, 64 * 3 * 3, 64 * 4 * 4)
#: The book's dropout ratio of both Dropout layers.
DEEP_DROPOUT_RATIO = 0.5
#: Parameter names in the order they are drawn.
DEEP_PARAM_NAMES = tuple(f"{kind}{i}" for i in range(1, 9) for kind in ("W", "b"))
#: The positions in ``layers`` of the layers holding W1/b1 … W8/b8 (the book's).
DEEP_PARAM_LAYERS = (0, 2, 5, 7, 10, 12, 15, 18)
#: After which convolutions (1-based) a 2×2 pooling follows.
_POOL_AFTER = (2, 4, 6)


def deep_convnet_param_shapes(
    input_dim: Sequence[int] = CONVNET_INPUT_DIM,
    conv_params: Sequence[Mapping[str, int] | None] = DEEP_CONV_PARAMS,
    hidden_size: int = DEEP_HIDDEN_SIZE,
    output_size: int = CONVNET_OUTPUT_SIZE,
) -> dict[str, tuple[int, ...]]:
    """The shapes of a DeepConvNet's parameters by name, in the order they are drawn:
    'W1' … 'W6' (FN, C, FS, FS) with their biases, 'W7' (pooled, hidden), 'W8' (hidden,
    output). ``conv_params`` are the six convolutions' settings (None: the book's);
    every size is checked as the net checks it. The default is the book's net
    (W7 has 64·4·4 = 1024 rows)."""
    C, H, W = _input_dims(input_dim)
    params = _six_conv_params(conv_params)
    hidden = check_positive_int("hidden_size", hidden_size)
    output = check_positive_int("output_size", output_size)
    shapes: dict[str, tuple[int, ...]] = {}
    channels, size = C, [H, W]
    for idx, param in enumerate(params, start=1):
        fn, fs = param["filter_num"], param["filter_size"]
        shapes[f"W{idx}"] = (fn, channels, fs, fs)
        shapes[f"b{idx}"] = (fn,)
        for k, axis in enumerate(("height", "width")):
            size[k] = window_output_size(
                size[k],
                fs,
                param["stride"],
                param["pad"],
                axis=axis,
                window_name=f"conv_param_{idx}['filter_size']",
                input_name=f"convolution {idx}'s input",
            )
            if idx in _POOL_AFTER:
                size[k] = window_output_size(
                    size[k],
                    POOL_SIZE,
                    POOL_SIZE,
                    0,
                    axis=axis,
                    window_name="the 2×2 pooling",
                    input_name=f"convolution {idx}'s output",
                )
        channels = fn
    shapes["W7"] = (channels * size[0] * size[1], hidden)
    shapes["b7"] = (hidden,)
    shapes["W8"] = (hidden, output)
    shapes["b8"] = (output,)
    return shapes


def _six_conv_params(conv_params: Sequence[Mapping[str, int] | None]) -> list[dict[str, int]]:
    """The six convolutions' settings, each checked (None: the book's for that layer)."""
    if isinstance(conv_params, (str, bytes, Mapping)) or not hasattr(conv_params, "__len__"):
        raise TypeError("conv_params must be a sequence of six conv_param dicts")
    if len(conv_params) != len(DEEP_CONV_PARAMS):
        raise ValueError(f"conv_params must hold six conv_param dicts, got {len(conv_params)}")
    return [
        _conv_params(param, f"conv_param_{idx}", default)
        for idx, (param, default) in enumerate(zip(conv_params, DEEP_CONV_PARAMS), start=1)
    ]


class DeepConvNet(ImageNet):
    """The book's deep convolutional net (over 99% on MNIST):

    conv - relu - conv - relu - pool - conv - relu - conv - relu - pool -
    conv - relu - conv - relu - pool - affine - relu - dropout - affine - dropout - softmax

    The book's arguments and defaults (``conv_param_1`` … ``conv_param_6``, None for
    the book's), plus ``rng``. ``layers`` is the book's list of 20 layers; the
    parameters live in ``params`` ('W1', 'b1', … 'W8', 'b8') and the layers hold the
    same arrays, so in-place optimizer updates reach them.

    Notes:
        The book's numbers bit for bit: its draws in its order, then pyref's
        Convolution, Pooling, Relu, Affine, Dropout and SoftmaxWithLoss, which compute
        as common/layers.py. The first convolution's backward pass skips the input's
        gradient (no one uses it; the parameter gradients are the same).
    """

    def __init__(
        self,
        input_dim: Sequence[int] = CONVNET_INPUT_DIM,
        conv_param_1: Mapping[str, int] | None = None,
        conv_param_2: Mapping[str, int] | None = None,
        conv_param_3: Mapping[str, int] | None = None,
        conv_param_4: Mapping[str, int] | None = None,
        conv_param_5: Mapping[str, int] | None = None,
        conv_param_6: Mapping[str, int] | None = None,
        hidden_size: int = DEEP_HIDDEN_SIZE,
        output_size: int = CONVNET_OUTPUT_SIZE,
        *,
        rng: np.random.RandomState | None = None,
    ) -> None:
        """A net with the given sizes, W1 to W8 drawn in the book's order with He scales.

        Args:
            input_dim: (C, H, W) of one image.
            conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5,
            conv_param_6: each convolution's "filter_num", "filter_size", "pad",
                "stride" (the book's for None or missing keys).
            hidden_size: units of the hidden Affine layer, >= 1.
            output_size: classes, >= 1.
            rng: the random stream for the weights and the dropout masks, or None for
                numpy's global one (the book's).
        """
        self.input_dim = _input_dims(input_dim)
        self.conv_params = _six_conv_params(
            [conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5, conv_param_6]
        )
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.output_size = check_positive_int("output_size", output_size)
        shapes = deep_convnet_param_shapes(
            self.input_dim, self.conv_params, self.hidden_size, self.output_size
        )
        pre_node_nums = np.array([*DEEP_PRE_NODE_NUMS, self.hidden_size])
        weight_init_scales = np.sqrt(2.0 / pre_node_nums)  # He: recommended with ReLU

        r = resolve_rng(rng)
        self.params: dict[str, np.ndarray] = {}
        for idx in range(1, 9):
            self.params[f"W{idx}"] = weight_init_scales[idx - 1] * r.randn(*shapes[f"W{idx}"])
            self.params[f"b{idx}"] = np.zeros(shapes[f"b{idx}"])

        self.layers: list[Any] = []
        for idx, param in enumerate(self.conv_params, start=1):
            self.layers.append(
                Convolution(
                    self.params[f"W{idx}"], self.params[f"b{idx}"], param["stride"], param["pad"]
                )
            )
            self.layers.append(Relu())
            if idx in _POOL_AFTER:
                self.layers.append(Pooling(pool_h=POOL_SIZE, pool_w=POOL_SIZE, stride=POOL_SIZE))
        self.layers.append(Affine(self.params["W7"], self.params["b7"]))
        self.layers.append(Relu())
        self.layers.append(Dropout(DEEP_DROPOUT_RATIO, rng=rng))
        self.layers.append(Affine(self.params["W8"], self.params["b8"]))
        self.layers.append(Dropout(DEEP_DROPOUT_RATIO, rng=rng))
        self.last_layer = SoftmaxWithLoss()

    # -- forward ------------------------------------------------------------

    def _predict(self, x: np.ndarray, train_flg: bool) -> np.ndarray:
        for layer in self.layers:
            if isinstance(layer, Dropout):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def _test_scores(self, x: np.ndarray) -> np.ndarray:
        return self._predict(x, False)

    def predict(self, x: np.ndarray, train_flg: bool = False) -> np.ndarray:
        """Scores (before softmax) for each image.

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            train_flg: True draws dropout masks (training), False scales by 1 - ratio.

        Returns:
            scores: shape (N, output_size).
        """
        return self._predict(self._check_x(x), check_flag("train_flg", train_flg))

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Mean cross-entropy of the training-mode predictions (dropout masks drawn, as
        the book's).

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            t: labels, shape (N,) (or a column (N, 1)) of ints in [0, output_size), or
                one-hot rows (N, output_size).

        Returns:
            loss: a float.
        """
        t = self._check_xt(x, t)
        return self.last_layer._forward(self._predict(x, True), t)

    # -- gradients ----------------------------------------------------------

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the training-mode loss by backpropagation.

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            t: labels, shape (N,) (or a column (N, 1)) of ints in [0, output_size), or
                one-hot rows (N, output_size).

        Returns:
            grads: "W1" ... "W8", "b1" ... "b8" -> gradients, the params' shapes.
        """
        t = self._check_xt(x, t)
        self.last_layer._forward(self._predict(x, True), t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        self.layers[0].backward(dout, need_dx=False)  # the images' gradient is not needed
        grads: dict[str, np.ndarray] = {}
        for i, layer_idx in enumerate(DEEP_PARAM_LAYERS, start=1):
            grads[f"W{i}"] = self.layers[layer_idx].dW
            grads[f"b{i}"] = self.layers[layer_idx].db
        return grads

    # -- parameters ---------------------------------------------------------

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shapes of this net's parameters.

        Returns:
            "W1" ... "W8", "b1" ... "b8" -> shape.
        """
        return {key: self.params[key].shape for key in DEEP_PARAM_NAMES}

    def save_params(self, file_name: str | os.PathLike = CONVNET_PARAMS_FILE) -> Path:
        """Write the parameters in numpy's .npz format, atomically.

        Args:
            file_name: the file to write (whatever its extension: the book's
                ``deep_convnet_params.pkl`` gets .npz contents).

        Returns:
            The path written.
        """
        return save_param_file(file_name, {key: self.params[key] for key in DEEP_PARAM_NAMES})

    def set_params(self, params: Mapping[str, np.ndarray]) -> None:
        """Take these parameters and hand them to the layers, as the book's load_params
        does after reading its file.

        Args:
            params: all sixteen arrays by name, the shapes of ``param_shapes()``
                (checked first by ``check_params``).
        """
        self.params.update(check_params(params, self.param_shapes()))
        for i, layer_idx in enumerate(DEEP_PARAM_LAYERS, start=1):
            self.layers[layer_idx].W = self.params[f"W{i}"]
            self.layers[layer_idx].b = self.params[f"b{i}"]

    def load_params(self, file_name: str | os.PathLike = CONVNET_PARAMS_FILE) -> None:
        """Read parameters written by ``save_params``, or the book's pickle of them, into
        the net (SimpleConvNet's ``load_param_file``).

        Args:
            file_name: an .npz file, or the book's .pkl (read by the restricted
                unpickler); errors name the file and the member.
        """
        self.set_params(load_param_file(file_name, self.param_shapes()))
