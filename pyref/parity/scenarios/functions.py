"""The parity scenarios' functions: every component of chapters 6 and 7 as a named,
seeded computation.

Each function here has a twin of the same name in ``julia/src/parity/scenarios.jl``
(``PyRef.Scenarios``): called with the same keyword arguments, the two return the same
named outputs, which :mod:`pyref.parity.runner` compares under the tier each output
declares. Every scenario starts its own ``RandomState(seed)`` stream, so scenarios are
independent of each other and of numpy's global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pyref import layers as L
from pyref.convnet import SimpleConvNet
from pyref.convolution import Convolution, Pooling, col2im, im2col
from pyref.datasets import split_validation
from pyref.experiments import weight_init_activation_histogram
from pyref.experiments.registry import EXPERIMENTS
from pyref.nets import MultiLayerNetExtend
from pyref.optimizers import make_optimizer
from pyref.parity.random_calls import random_call
from pyref.trainer import Trainer

RandomState = np.random.RandomState

# ---------------------------------------------------------------------------
# The random stream
# ---------------------------------------------------------------------------


def random_calls(*, seeds: Sequence[int], calls: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Each seed's stream through ``calls`` in order; output ``seed<s>/<k>`` per call."""
    out: dict[str, Any] = {}
    for seed in seeds:
        rs = RandomState(seed)
        for k, call in enumerate(calls):
            out[f"seed{seed}/{k}:{call[0]}"] = random_call(rs, call)
    return out


# ---------------------------------------------------------------------------
# Initial weights, optimizers, layers
# ---------------------------------------------------------------------------


def init_weights(
    *,
    seed: int,
    input_size: int,
    hidden: Sequence[int],
    output_size: int,
    inits: Sequence[Sequence[Any]],
    use_batchnorm: bool = False,
) -> dict[str, Any]:
    """Initial parameters of one net per (label, weight_init_std), drawn in turn from one stream."""
    rs = RandomState(seed)
    out: dict[str, Any] = {}
    for label, init in inits:
        net = MultiLayerNetExtend(
            input_size,
            list(hidden),
            output_size,
            weight_init_std=init,
            use_batchnorm=use_batchnorm,
            rng=rs,
        )
        out[label] = dict(net.params)
    return out


def optimizer_steps(
    *, name: str, params: dict[str, Any], seed: int, steps: int, shape: Sequence[int]
) -> dict[str, Any]:
    """``steps`` updates of W (``shape``) and b on gradients drawn from the stream.

    Args:
        name: the optimizer (:func:`pyref.optimizers.make_optimizer`'s names).
        params: its settings (``{"lr": 0.1, "momentum": 0.9}``).
        seed: the stream's seed: W and b are drawn first, then each step's gradients.
        steps: how many updates.
        shape: W's shape; b has ``shape[-1]`` entries.

    Returns:
        ``{"W": (steps, *shape), "b": (steps, shape[-1])}``: the parameters after
        every step (step axis 0). Its Julia twin is ``PyRef.Scenarios.optimizer_steps``.
    """
    rs = RandomState(seed)
    p = {"W": rs.randn(*shape), "b": rs.randn(shape[-1])}
    optimizer = make_optimizer(name, **params)
    trail: dict[str, list[np.ndarray]] = {"W": [], "b": []}
    for _ in range(steps):
        grads = {"W": rs.randn(*shape), "b": rs.randn(shape[-1])}
        optimizer.update(p, grads)
        for key in trail:
            trail[key].append(p[key].copy())
    return {key: np.stack(values) for key, values in trail.items()}


def layer_affine(*, seed: int, n: int, d_in: int, d_out: int) -> dict[str, Any]:
    """Affine forward and backward on drawn x, W, b and upstream gradient."""
    rs = RandomState(seed)
    x, W, b = rs.randn(n, d_in), rs.randn(d_in, d_out), rs.randn(d_out)
    dout = rs.randn(n, d_out)
    layer = L.Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)
    return {"out": out, "dx": dx, "dW": layer.dW, "db": layer.db}


def layer_activation(*, name: str, seed: int, n: int, d: int, scale: float) -> dict[str, Any]:
    """An activation layer (relu, sigmoid, tanh) forward and backward."""
    rs = RandomState(seed)
    x = scale * rs.randn(n, d)
    dout = rs.randn(n, d)
    layer = L.ACTIVATIONS[name]()
    return {"out": layer.forward(x), "dx": layer.backward(dout)}


def layer_softmax_with_loss(*, seed: int, n: int, classes: int, one_hot: bool) -> dict[str, Any]:
    """SoftmaxWithLoss: the loss and dx for integer or one-hot labels."""
    rs = RandomState(seed)
    x = 3.0 * rs.randn(n, classes)
    t = rs.randint(0, classes, n)
    if one_hot:
        t = np.eye(classes)[t]
    layer = L.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    return {"loss": loss, "y": layer.y, "dx": layer.backward(1)}


def layer_dropout(*, seed: int, n: int, d: int, ratio: float, passes: int) -> dict[str, Any]:
    """Dropout in training (``passes`` masks drawn in turn) and in test mode."""
    rs = RandomState(seed)
    x = rs.randn(n, d)
    layer = L.Dropout(ratio, rng=rs)
    out: dict[str, Any] = {}
    for k in range(passes):
        out[f"train{k}"] = layer.forward(x, True)
        out[f"dx{k}"] = layer.backward(rs.randn(n, d))
    out["test"] = layer.forward(x, False)
    return out


def layer_batchnorm(*, seed: int, n: int, d: int, batches: int) -> dict[str, Any]:
    """BatchNormalization over ``batches`` training batches, then test mode."""
    rs = RandomState(seed)
    gamma, beta = rs.rand(d) + 0.5, rs.randn(d)
    layer = L.BatchNormalization(gamma, beta)
    out: dict[str, Any] = {}
    for k in range(batches):
        x = 2.0 * rs.randn(n, d) + 1.0
        out[f"out{k}"] = layer.forward(x, True)
        out[f"dx{k}"] = layer.backward(rs.randn(n, d))
        out[f"dgamma{k}"], out[f"dbeta{k}"] = layer.dgamma, layer.dbeta
    out["running_mean"], out["running_var"] = layer.running_mean, layer.running_var
    out["test"] = layer.forward(rs.randn(n, d), False)
    return out


# ---------------------------------------------------------------------------
# Nets, the Trainer, the validation split, histograms, experiments
# ---------------------------------------------------------------------------


def net_gradients(
    *, x: np.ndarray, t: np.ndarray, seed: int, hidden: Sequence[int], settings: dict[str, Any]
) -> dict[str, Any]:
    """A MultiLayerNetExtend (``settings``: the constructor's keywords) on (x, t):
    initial weights, loss, gradients (training mode: dropout masks drawn), accuracy."""
    rs = RandomState(seed)
    net = MultiLayerNetExtend(x.shape[1], list(hidden), 10, rng=rs, **settings)
    initial = {key: value.copy() for key, value in net.params.items()}
    grads = net.gradient(x, t)
    return {
        "initial": initial,
        "grads": grads,
        "loss": net.loss(x, t),
        "accuracy": net.accuracy(x, t),
    }


def trainer_run(
    *,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray,
    t_test: np.ndarray,
    seed: int,
    hidden: Sequence[int],
    net: dict[str, Any],
    trainer: dict[str, Any],
) -> dict[str, Any]:
    """A net built from ``seed``'s stream, trained by the Trainer on the same stream."""
    rs = RandomState(seed)
    model = MultiLayerNetExtend(x_train.shape[1], list(hidden), 10, rng=rs, **net)
    tr = Trainer(model, x_train, t_train, x_test, t_test, verbose=False, rng=rs, **trainer)
    tr.train()
    return {
        "train_loss": tr.train_loss_list,
        "train_acc": tr.train_acc_list,
        "test_acc": tr.test_acc_list,
    }


def validation_split(
    *, x: np.ndarray, t: np.ndarray, seed: int, validation_rate: float
) -> dict[str, Any]:
    """6.5.1: shuffle and split off the validation set."""
    (x_train, t_train), (x_val, t_val) = split_validation(
        x, t, validation_rate, rng=RandomState(seed)
    )
    return {"x_train": x_train, "t_train": t_train, "x_val": x_val, "t_val": t_val}


def activation_histograms(
    *, seed: int, activations: Sequence[str], inits: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    """6.2.2: activation histograms for each activation x (label, init) pair, in order."""
    return weight_init_activation_histogram(
        activations=list(activations),
        inits={label: init for label, init in inits},
        rng=RandomState(seed),
    )


def experiment(
    *,
    name: str,
    seed: int,
    settings: dict[str, Any],
    x_train: np.ndarray | None = None,
    t_train: np.ndarray | None = None,
    x_test: np.ndarray | None = None,
    t_test: np.ndarray | None = None,
    params: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """An experiment of the registry (its ``pyref run`` name) on one seeded stream.

    Args:
        name: the experiment's name in :data:`pyref.experiments.registry.EXPERIMENTS`.
        seed: the seed of its ``RandomState`` (unused by one that draws nothing).
        settings: keyword arguments of its function.
        x_train, t_train, x_test, t_test: its data, if it takes any.
        params: trained parameters, for those that take them.

    Returns:
        The experiment's result dict.
    """
    exp = EXPERIMENTS[name]
    if not exp.draws:
        return exp.run(**settings)
    rng = RandomState(seed)
    if x_train is None:
        return exp.run(rng=rng, **settings)
    extra = {} if params is None else {"params": params}
    return exp.run(((x_train, t_train), (x_test, t_test)), rng=rng, **settings, **extra)


# ---------------------------------------------------------------------------
# Chapter 7: im2col, convolution, pooling, SimpleConvNet
# ---------------------------------------------------------------------------


def im2col_cases(*, seed: int, cases: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Per case [label, [N, C, H, W], [filter_h, filter_w], stride, pad]: im2col of a
    drawn input, and col2im of a drawn matrix of col's shape."""
    rs = RandomState(seed)
    out: dict[str, Any] = {}
    for label, shape, (fh, fw), stride, pad in cases:
        x = rs.randn(*shape)
        col = im2col(x, fh, fw, stride, pad)
        out[f"{label}/col"] = col
        out[f"{label}/img"] = col2im(rs.randn(*col.shape), tuple(shape), fh, fw, stride, pad)
    return out


def layer_convolution(
    *, seed: int, shape: Sequence[int], filters: Sequence[int], stride: int, pad: int
) -> dict[str, Any]:
    """Convolution forward and backward on drawn x, W (``filters``: FN, FH, FW), b, dout."""
    rs = RandomState(seed)
    fn, fh, fw = filters
    x = rs.randn(*shape)
    W, b = rs.randn(fn, shape[1], fh, fw), rs.randn(fn)
    layer = Convolution(W, b, stride, pad)
    out = layer.forward(x)
    dx = layer.backward(rs.randn(*out.shape))
    return {"out": out, "dx": dx, "dW": layer.dW, "db": layer.db, "col": layer.col}


def layer_pooling(
    *, seed: int, shape: Sequence[int], pool: Sequence[int], stride: int, pad: int, ties: bool
) -> dict[str, Any]:
    """Pooling forward (values, the book's arg_max) and backward; ``ties`` rounds the
    input to one decimal, so that windows hold equal maxima."""
    rs = RandomState(seed)
    x = rs.randn(*shape)
    if ties:
        x = np.round(x, 1)
    layer = Pooling(pool[0], pool[1], stride, pad)
    out = layer.forward(x)
    return {"out": out, "arg_max": layer.arg_max, "dx": layer.backward(rs.randn(*out.shape))}


def convnet_gradients(
    *, x: np.ndarray, t: np.ndarray, seed: int, settings: dict[str, Any]
) -> dict[str, Any]:
    """A SimpleConvNet (``settings``: the constructor's keywords) on (x, t): initial
    weights, loss, gradients, scores and the book's batched accuracy (batches of 100
    and of 30, whose remainder is not predicted)."""
    rs = RandomState(seed)
    net = SimpleConvNet(rng=rs, **settings)
    initial = {key: value.copy() for key, value in net.params.items()}
    grads = net.gradient(x, t)
    return {
        "initial": initial,
        "grads": {k: v.copy() for k, v in grads.items()},
        "loss": net.loss(x, t),
        "scores": net.predict(x),
        "accuracy": net.accuracy(x, t),
        "accuracy30": net.accuracy(x, t, batch_size=30),
    }


def trainer_convnet(
    *,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray,
    t_test: np.ndarray,
    seed: int,
    net: dict[str, Any],
    trainer: dict[str, Any],
) -> dict[str, Any]:
    """A SimpleConvNet built from ``seed``'s stream, trained by the Trainer on image
    tensors from the same stream; the curves and the final parameters."""
    rs = RandomState(seed)
    model = SimpleConvNet(rng=rs, **net)
    tr = Trainer(model, x_train, t_train, x_test, t_test, verbose=False, rng=rs, **trainer)
    tr.train()
    return {
        "train_loss": tr.train_loss_list,
        "train_acc": tr.train_acc_list,
        "test_acc": tr.test_acc_list,
        "params": dict(model.params),
    }
