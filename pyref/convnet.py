"""The book's SimpleConvNet (7.5): conv - relu - pool - affine - relu - affine - softmax.

Weights are drawn at construction from ``rng`` (numpy's global stream by default)
in the book's order: W1 = std · randn(FN, C, FS, FS), then W2 = std · randn(pooled,
hidden), then W3 = std · randn(hidden, output); biases are zeros. Parameters are
saved as ``.npz`` (never pickle) and read back by ``pyref.fileio.read_arrays`` (an
``.npz``, or the book's ``.pkl`` through the restricted unpickler); whatever a net takes, from a file or a dict, passes ``check_params`` (names, dtypes, shapes,
finite values) first.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyref.checks import (
    check_array,
    check_labels,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
)
from pyref.convolution import POOL_SIZE, Convolution, Pooling, window_output_size
from pyref.datasets import NUM_CLASSES
from pyref.fileio import check_output_file, read_arrays, write_npz
from pyref.functions import numerical_gradient
from pyref.layers import Affine, Relu, SoftmaxWithLoss
from pyref.rng import resolve_rng

#: The book's defaults: MNIST-shaped input, 30 filters of 5×5, 100 hidden units, 10 classes.
CONVNET_INPUT_DIM = (1, 28, 28)
CONV_PARAM: Mapping[str, int] = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
CONVNET_HIDDEN_SIZE = 100
CONVNET_OUTPUT_SIZE = NUM_CLASSES
CONVNET_WEIGHT_INIT_STD = 0.01
#: Samples per forward pass in ``accuracy`` (the book's batch_size=100).
ACCURACY_BATCH = 100
#: Parameter names, in the order they are drawn, and the layers holding them.
CONVNET_PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
_PARAM_LAYERS = ("Conv1", "Affine1", "Affine2")
#: Where save_params/load_params write and read by default.
CONVNET_PARAMS_FILE = "params.npz"


def _conv_params(
    conv_param: Mapping[str, int] | None,
    name: str = "conv_param",
    default: Mapping[str, int] = CONV_PARAM,
) -> dict[str, int]:
    """A convolution's settings, ``default``'s where ``conv_param`` has none; errors
    name the argument ``name``."""
    if conv_param is None:
        return dict(default)
    if not isinstance(conv_param, Mapping):
        raise TypeError(f"{name} must be a dict, not {type(conv_param).__name__}")
    unknown = sorted(set(conv_param) - set(CONV_PARAM))
    if unknown:
        raise ValueError(f"{name} has unknown keys {unknown}; it takes {', '.join(CONV_PARAM)}")
    param = {**default, **conv_param}
    return {
        "filter_num": check_positive_int(f"{name}['filter_num']", param["filter_num"]),
        "filter_size": check_positive_int(f"{name}['filter_size']", param["filter_size"]),
        "pad": check_nonnegative_int(f"{name}['pad']", param["pad"]),
        "stride": check_positive_int(f"{name}['stride']", param["stride"]),
    }


def _input_dims(input_dim: Sequence[int]) -> tuple[int, int, int]:
    if isinstance(input_dim, (str, bytes)) or not hasattr(input_dim, "__len__"):
        raise TypeError("input_dim must be (channels, height, width)")
    if len(input_dim) != 3:
        raise ValueError(f"input_dim must be (channels, height, width), got {tuple(input_dim)}")
    c, h, w = (check_positive_int("input_dim", v) for v in input_dim)
    return c, h, w


def convnet_param_shapes(
    input_dim: Sequence[int] = CONVNET_INPUT_DIM,
    conv_param: Mapping[str, int] | None = None,
    hidden_size: int = CONVNET_HIDDEN_SIZE,
    output_size: int = CONVNET_OUTPUT_SIZE,
) -> dict[str, tuple[int, ...]]:
    """The shapes of a SimpleConvNet's parameters, by name in the order they are drawn
    ('W1' (FN, C, FS, FS), 'b1' (FN,), 'W2' (pooled, hidden), 'b2', 'W3' (hidden,
    output), 'b3'), for the book's arguments; checked as the net checks them. The
    default is the book's net (what ``pyref run``'s ``--params`` must fit)."""
    C, H, W = _input_dims(input_dim)
    param = _conv_params(conv_param)
    hidden = check_positive_int("hidden_size", hidden_size)
    output = check_positive_int("output_size", output_size)
    filter_num, filter_size = param["filter_num"], param["filter_size"]
    sizes = []
    for axis, size in (("height", H), ("width", W)):
        conv = window_output_size(
            size,
            filter_size,
            param["stride"],
            param["pad"],
            axis=axis,
            window_name="conv_param['filter_size']",
            input_name="input_dim",
        )
        sizes.append(
            window_output_size(
                conv,
                POOL_SIZE,
                POOL_SIZE,
                0,
                axis=axis,
                window_name="the 2×2 pooling",
                input_name="the convolution's output",
            )
        )
    pool_output_size = filter_num * sizes[0] * sizes[1]
    return {
        "W1": (filter_num, C, filter_size, filter_size),
        "b1": (filter_num,),
        "W2": (pool_output_size, hidden),
        "b2": (hidden,),
        "W3": (hidden, output),
        "b3": (output,),
    }


def check_params(
    params: Mapping[str, np.ndarray],
    shapes: Mapping[str, tuple[int, ...]],
    *,
    source: str = "params",
) -> dict[str, np.ndarray]:
    """``params`` checked against a net's ``shapes`` (name -> shape, as
    ``convnet_param_shapes`` gives them) and returned as float64 arrays in the order of
    ``shapes``. Every name the net has must be there, and no other; each value a numpy
    array of real floating-point numbers (float16, float32 or float64) of its shape,
    finite. ``source`` (the argument, or the file they were read from) starts every
    message. TypeError for a wrong type or dtype, ValueError for the rest.
    """
    names = ", ".join(shapes)
    if not isinstance(params, Mapping):
        raise TypeError(f"{source} must be a dict of arrays, not {type(params).__name__}")
    if not params:
        raise ValueError(f"{source} holds no arrays; the net needs {names}")
    extra = sorted(str(key) for key in params if key not in shapes)
    if extra:
        raise ValueError(f"{source}: {', '.join(extra)} is not a parameter of this net ({names})")
    out: dict[str, np.ndarray] = {}
    for key, shape in shapes.items():
        if key not in params:
            continue
        value = params[key]
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"{source}: {key} must be a numpy array of floating-point numbers, "
                f"not {type(value).__name__}"
            )
        if value.dtype.kind != "f":
            raise TypeError(
                f"{source}: {key} holds {value.dtype} values, not real floating-point "
                "numbers (float16, float32 or float64)"
            )
        if value.shape != tuple(shape):
            raise ValueError(
                f"{source}: {key} has shape {value.shape}, this net's has {tuple(shape)}"
            )
        check_array(f"{source}: {key}", value)
        out[key] = value.astype(np.float64, copy=False)
    missing = [key for key in shapes if key not in params]
    if missing:
        raise ValueError(f"{source} has no {', '.join(missing)}; the net needs {names}")
    return out


def column_labels(t: np.ndarray, output_size: int) -> np.ndarray:
    """Labels as a 1-D array when given as a column of class indices, shape (N, 1), as
    the book's gradient_check.py passes them; anything else unchanged. (The book's
    SoftmaxWithLoss handles such a column right for one sample only.)"""
    if (
        isinstance(t, np.ndarray)
        and t.ndim == 2
        and t.shape[1] == 1
        and output_size > 1
        and t.dtype.kind in "iu"
    ):
        return t.reshape(-1)
    return t


class ImageNet:
    """What the book's convolutional nets share (SimpleConvNet, DeepConvNet): their
    input checks and the book's batched accuracy. A net sets ``input_dim`` (C, H, W)
    and ``output_size``, and gives its test-mode scores by ``_test_scores``."""

    input_dim: tuple[int, int, int]
    output_size: int

    # -- checks -------------------------------------------------------------

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        x = check_array("x", x, ndim=4)
        if x.shape[0] == 0:
            raise ValueError(f"x has no samples (an empty batch, shape {x.shape})")
        if tuple(x.shape[1:]) != self.input_dim:
            raise ValueError(
                f"x has samples of shape {tuple(x.shape[1:])}, the net takes "
                f"{self.input_dim} (channels, height, width)"
            )
        return x

    def _check_xt(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        self._check_x(x)
        t = column_labels(t, self.output_size)
        return check_labels("t", t, x.shape[0], self.output_size)

    def _test_scores(self, x: np.ndarray) -> np.ndarray:
        """Test-mode scores of checked images, shape (N, output_size)."""
        raise NotImplementedError

    def accuracy(self, x: np.ndarray, t: np.ndarray, batch_size: int = ACCURACY_BATCH) -> float:
        """The book's accuracy, test-mode predictions in batches.

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            t: labels, shape (N,) (or a column (N, 1)) of ints in [0, output_size), or
                one-hot rows (N, output_size).
            batch_size: images per prediction, >= 1.

        Returns:
            accuracy: correct predictions / N. As in the book, samples after the last
            whole batch are not predicted but still counted.
        """
        t = self._check_xt(x, t)
        batch_size = check_positive_int("batch_size", batch_size)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        acc = 0.0
        for i in range(int(x.shape[0] / batch_size)):
            tx = x[i * batch_size : (i + 1) * batch_size]
            tt = t[i * batch_size : (i + 1) * batch_size]
            y = np.argmax(self._test_scores(tx), axis=1)
            acc += np.sum(y == tt)
        return acc / x.shape[0]


class SimpleConvNet(ImageNet):
    """The book's convolutional net: Conv1 (``conv_param``), Relu1, Pool1 (2×2, stride
    2), Affine1 (``hidden_size``), Relu2, Affine2 (``output_size``), softmax-with-loss.

    The book's arguments and defaults, plus ``rng``. Parameters live in ``params``
    ('W1', 'b1', 'W2', 'b2', 'W3', 'b3'); the layers hold the same arrays, so in-place
    optimizer updates reach them.
    """

    def __init__(
        self,
        input_dim: Sequence[int] = CONVNET_INPUT_DIM,
        conv_param: Mapping[str, int] | None = None,
        hidden_size: int = CONVNET_HIDDEN_SIZE,
        output_size: int = CONVNET_OUTPUT_SIZE,
        weight_init_std: float = CONVNET_WEIGHT_INIT_STD,
        *,
        rng: np.random.RandomState | None = None,
    ) -> None:
        """A net with the given sizes, its weights drawn in the book's order (W1, W2, W3).

        Args:
            input_dim: (C, H, W) of one image.
            conv_param: "filter_num", "filter_size", "pad", "stride" (the book's
                defaults for missing keys).
            hidden_size: units of the hidden Affine layer, >= 1.
            output_size: classes, >= 1.
            weight_init_std: the std of the initial weights, > 0.
            rng: the random stream, or None for numpy's global one (the book's).
        """
        self.input_dim = _input_dims(input_dim)
        self.conv_param = _conv_params(conv_param)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.output_size = check_positive_int("output_size", output_size)
        std = check_positive("weight_init_std", weight_init_std)
        shapes = convnet_param_shapes(
            self.input_dim, self.conv_param, self.hidden_size, self.output_size
        )
        stride, pad = self.conv_param["stride"], self.conv_param["pad"]

        r = resolve_rng(rng)
        self.params: dict[str, np.ndarray] = {}
        self.params["W1"] = std * r.randn(*shapes["W1"])
        self.params["b1"] = np.zeros(shapes["b1"])
        self.params["W2"] = std * r.randn(*shapes["W2"])
        self.params["b2"] = np.zeros(shapes["b2"])
        self.params["W3"] = std * r.randn(*shapes["W3"])
        self.params["b3"] = np.zeros(shapes["b3"])

        self.layers: OrderedDict[str, Any] = OrderedDict()
        self.layers["Conv1"] = Convolution(self.params["W1"], self.params["b1"], stride, pad)
        self.layers["Relu1"] = Relu()
        self.layers["Pool1"] = Pooling(pool_h=POOL_SIZE, pool_w=POOL_SIZE, stride=POOL_SIZE)
        self.layers["Affine1"] = Affine(self.params["W2"], self.params["b2"])
        self.layers["Relu2"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W3"], self.params["b3"])
        self.last_layer = SoftmaxWithLoss()

    # -- forward ------------------------------------------------------------

    def _predict(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def _test_scores(self, x: np.ndarray) -> np.ndarray:
        return self._predict(x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores (before softmax) for each image.

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.

        Returns:
            scores: shape (N, output_size).
        """
        return self._predict(self._check_x(x))

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Mean cross-entropy of the predictions.

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            t: labels, shape (N,) (or a column (N, 1)) of ints in [0, output_size), or
                one-hot rows (N, output_size).

        Returns:
            loss: a float.
        """
        t = self._check_xt(x, t)
        return self.last_layer._forward(self._predict(x), t)

    # -- gradients ----------------------------------------------------------

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the loss by backpropagation.

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            t: labels, shape (N,) (or a column (N, 1)) of ints in [0, output_size), or
                one-hot rows (N, output_size).

        Returns:
            grads: "W1", "b1", "W2", "b2", "W3", "b3" -> gradients, the params' shapes.
        """
        t = self._check_xt(x, t)
        self.last_layer._forward(self._predict(x), t)
        dout = self.last_layer.backward(1)
        layers = list(self.layers.values())
        for layer in reversed(layers[1:]):
            dout = layer.backward(dout)
        layers[0].backward(dout, need_dx=False)  # Conv1: the images' gradient is not needed
        grads: dict[str, np.ndarray] = {}
        for idx, name in enumerate(_PARAM_LAYERS, start=1):
            grads[f"W{idx}"], grads[f"b{idx}"] = self.layers[name].dW, self.layers[name].db
        return grads

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients by central differences of the loss (slow; for checks).

        Args:
            x: images, shape (N, C, H, W) with (C, H, W) = ``input_dim``.
            t: labels, shape (N,) (or a column (N, 1)) of ints in [0, output_size), or
                one-hot rows (N, output_size).

        Returns:
            grads: "W1", "b1", "W2", "b2", "W3", "b3" -> gradients, the params' shapes.
        """
        t = self._check_xt(x, t)

        def loss_w(_: np.ndarray) -> float:
            return self.last_layer._forward(self._predict(x), t)

        grads: dict[str, np.ndarray] = {}
        for idx in (1, 2, 3):
            grads[f"W{idx}"] = numerical_gradient(loss_w, self.params[f"W{idx}"])
            grads[f"b{idx}"] = numerical_gradient(loss_w, self.params[f"b{idx}"])
        return grads

    # -- parameters ---------------------------------------------------------

    def save_params(self, file_name: str | os.PathLike = CONVNET_PARAMS_FILE) -> Path:
        """Write the parameters in numpy's .npz format, atomically.

        Args:
            file_name: the file to write (whatever its extension: the book's
                ``params.pkl`` gets .npz contents).

        Returns:
            The path written.
        """
        return save_param_file(file_name, {key: self.params[key] for key in CONVNET_PARAM_NAMES})

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shapes of this net's parameters.

        Returns:
            "W1", "b1", "W2", "b2", "W3", "b3" -> shape.
        """
        return {key: self.params[key].shape for key in CONVNET_PARAM_NAMES}

    def set_params(self, params: Mapping[str, np.ndarray]) -> None:
        """Take these parameters and hand them to the layers, as the book's load_params
        does after reading its file.

        Args:
            params: all six arrays by name, the shapes of ``param_shapes()`` (checked
                first by ``check_params``).
        """
        checked = check_params(params, self.param_shapes())
        self.params.update(checked)
        for idx, name in enumerate(_PARAM_LAYERS, start=1):
            self.layers[name].W = self.params[f"W{idx}"]
            self.layers[name].b = self.params[f"b{idx}"]

    def load_params(self, file_name: str | os.PathLike = CONVNET_PARAMS_FILE) -> None:
        """Read parameters written by ``save_params``, or the book's pickle of them,
        into the net.

        Args:
            file_name: an .npz file, or the book's .pkl (read by the restricted
                unpickler); errors name the file and the member.
        """
        self.set_params(load_param_file(file_name, self.param_shapes()))


def save_param_file(file_name: str | os.PathLike, params: Mapping[str, np.ndarray]) -> Path:
    """Write named arrays of numbers as an .npz file (numpy's np.savez format),
    atomically. ``file_name`` is checked first (not a folder, its folder can be made
    and written: ValueError naming it); a failed write names it too (OSError)."""
    path = check_output_file(file_name, "file_name")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, not {type(params).__name__}")
    arrays = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"params: names must be strings, not {type(key).__name__}")
        arrays[key] = check_array(f"params: {key}", np.asarray(value), finite=False)
    try:
        return write_npz(path, arrays)
    except OSError as err:
        raise OSError(err.errno, f"could not write {path}: {err.strerror or err}") from None


def load_param_file(
    file_name: str | os.PathLike, shapes: Mapping[str, tuple[int, ...]] | None = None
) -> dict[str, np.ndarray]:
    """The parameters in an .npz file or in a pickle of them (the book's params.pkl),
    read by ``read_arrays`` (an .npz CRC-checked, a pickle by the restricted unpickler)
    and checked by ``check_params`` against ``shapes`` (default: the book's
    SimpleConvNet), as float64 arrays. Every error names the file and the member:
    FileNotFoundError, ValueError or TypeError."""
    shapes = convnet_param_shapes() if shapes is None else shapes
    arrays = read_arrays(file_name, "parameter file")
    return check_params(arrays, shapes, source=str(file_name))
