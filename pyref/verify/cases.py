"""The reference side of a check: numpy-drawn inputs and the book's outputs on them.

:func:`build_case` takes a check as the port file registered it (kind, component,
settings), draws every input from ``np.random.RandomState(seed)`` (parameters,
gradients, minibatches) and runs pyref's component on them step by step. The
component's own draws (Dropout's masks) come from a second ``RandomState(seed)``,
the one the port receives as ``rng``. numpy only: no Julia here.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyref.convolution import Convolution, Pooling, col2im, im2col
from pyref.functions import cross_entropy_error, numerical_gradient, relu, sigmoid, softmax
from pyref.layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from pyref.nets import MultiLayerNet, MultiLayerNetExtend
from pyref.optimizers import OPTIMIZERS, make_optimizer

#: The kinds of component a port file can register, and the components of each.
COMPONENTS: dict[str, tuple[str, ...]] = {
    "optimizer": tuple(cls.__name__ for cls in OPTIMIZERS.values()),
    "layer": (
        "Affine",
        "Relu",
        "Sigmoid",
        "SoftmaxWithLoss",
        "BatchNormalization",
        "Dropout",
        "Convolution",
        "Pooling",
    ),
    "function": (
        "softmax",
        "cross_entropy_error",
        "sigmoid",
        "relu",
        "im2col",
        "col2im",
        "numerical_gradient",
    ),
    "net": ("MultiLayerNet", "MultiLayerNetExtend"),
    "training": ("MultiLayerNet", "MultiLayerNetExtend"),
}

#: The optimizers' parameter shapes: a two-layer net's W1, b1, W2, b2.
OPTIMIZER_SHAPES: dict[str, tuple[int, ...]] = {
    "W1": (5, 4),
    "b1": (4,),
    "W2": (4, 3),
    "b2": (3,),
}

#: The sizes a layer check uses unless the port file overrides them (``settings``).
LAYER_DEFAULTS: dict[str, dict[str, Any]] = {
    "Affine": {"batch": 6, "input_size": 4, "output_size": 3},
    "Relu": {"batch": 6, "size": 5},
    "Sigmoid": {"batch": 6, "size": 5},
    "SoftmaxWithLoss": {"batch": 6, "size": 5},
    "BatchNormalization": {"batch": 6, "size": 5, "momentum": 0.9},
    "Dropout": {"batch": 6, "size": 5, "dropout_ratio": 0.5},
    "Convolution": {
        "batch": 2,
        "channels": 2,
        "height": 5,
        "width": 5,
        "filter_num": 3,
        "filter_size": 3,
        "stride": 1,
        "pad": 1,
    },
    "Pooling": {
        "batch": 2,
        "channels": 3,
        "height": 4,
        "width": 4,
        "pool_h": 2,
        "pool_w": 2,
        "stride": 2,
        "pad": 0,
    },
}

#: The net every net and training check builds unless the port file overrides it.
NET_DEFAULTS: dict[str, Any] = {
    "input_size": 6,
    "hidden_size_list": [5, 4],
    "output_size": 3,
    "activation": "relu",
    "weight_init_std": "relu",
    "weight_decay_lambda": 0.1,
}

#: MultiLayerNetExtend's own arguments (the book's spelling, ``dropout_ration``).
EXTEND_DEFAULTS: dict[str, Any] = {
    "use_dropout": False,
    "dropout_ration": 0.5,
    "use_batchnorm": False,
}

#: A training check's data: samples to draw minibatches from; the optimizer's default.
TRAINING_SAMPLES = 40
TRAINING_HYPER: dict[str, float] = {"lr": 0.1}
NET_BATCH = 8


class CaseError(ValueError):
    """A check's settings are not ones the reference can build."""


@dataclass
class Case:
    """One check's inputs (sent to the port) and the reference's outputs, step by step.

    ``outputs[s]`` maps each output's name to its value at step ``s``.
    """

    kind: str
    component: str
    settings: dict[str, Any]
    inputs: dict[str, Any]
    outputs: list[dict[str, Any]] = field(default_factory=list)


def _merged(defaults: dict[str, Any], given: dict[str, Any], what: str) -> dict[str, Any]:
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise CaseError(
            f"{what} has no setting {', '.join(unknown)} (it has {', '.join(defaults)})"
        )
    merged = dict(defaults)
    merged.update(given)
    return merged


def _onehot(labels: np.ndarray, classes: int) -> np.ndarray:
    t = np.zeros((labels.size, classes))
    t[np.arange(labels.size), labels] = 1.0
    return t


def book_hyper(opt: object) -> dict[str, float]:
    """An optimizer's settings under the book's names, its defaults filled in
    (the constructor's positional arguments: lr, momentum, decay_rate, beta1, beta2)."""
    names = [
        p.name
        for p in inspect.signature(type(opt)).parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    return {n: float(getattr(opt, n)) for n in names}


def optimizer_case(name: str, hyper: dict[str, Any], steps: int, seed: int) -> Case:
    """The book's optimizer ``name`` over ``steps`` updates of random gradients.

    Inputs: ``params`` (W1 (5, 4), b1 (4,), W2 (4, 3), b2 (3,)) and ``grads``, one dict
    of the same shapes per step. Outputs: every parameter after each update.
    """
    rs = np.random.RandomState(seed)
    params = {k: rs.randn(*shape) for k, shape in OPTIMIZER_SHAPES.items()}
    grads = [{k: rs.randn(*shape) for k, shape in OPTIMIZER_SHAPES.items()} for _ in range(steps)]
    opt = make_optimizer(name, **hyper)
    hyper = book_hyper(opt)
    current = copy.deepcopy(params)
    outputs = []
    for g in grads:
        opt.update(current, copy.deepcopy(g))
        outputs.append({k: np.array(v, copy=True) for k, v in current.items()})
    inputs = {
        "seed": seed,
        "keys": list(OPTIMIZER_SHAPES),
        "hyper": dict(hyper),
        "params": params,
        "grads": grads,
    }
    return Case("optimizer", name, dict(hyper), inputs, outputs)


def _layer(name: str, s: dict[str, Any], rs: np.random.RandomState, seed: int):
    """The book's layer ``name`` and the constructor arguments the port receives."""
    if name == "Affine":
        args = {"W": rs.randn(s["input_size"], s["output_size"]), "b": rs.randn(s["output_size"])}
        return Affine(args["W"].copy(), args["b"].copy()), args
    if name == "BatchNormalization":
        args = {
            "gamma": 1.0 + 0.1 * rs.randn(s["size"]),
            "beta": rs.randn(s["size"]),
            "momentum": s["momentum"],
        }
        return BatchNormalization(args["gamma"].copy(), args["beta"].copy(), s["momentum"]), args
    if name == "Dropout":
        args = {"dropout_ratio": s["dropout_ratio"]}
        return Dropout(s["dropout_ratio"], rng=np.random.RandomState(seed)), args
    if name == "Convolution":
        fs = s["filter_size"]
        args = {
            "W": rs.randn(s["filter_num"], s["channels"], fs, fs),
            "b": rs.randn(s["filter_num"]),
            "stride": s["stride"],
            "pad": s["pad"],
        }
        return Convolution(args["W"].copy(), args["b"].copy(), s["stride"], s["pad"]), args
    if name == "Pooling":
        args = {k: s[k] for k in ("pool_h", "pool_w", "stride", "pad")}
        return Pooling(**args), args
    return {"Relu": Relu, "Sigmoid": Sigmoid, "SoftmaxWithLoss": SoftmaxWithLoss}[name](), {}


def _layer_input(name: str, s: dict[str, Any], rs: np.random.RandomState) -> np.ndarray:
    if name in ("Convolution", "Pooling"):
        return rs.randn(s["batch"], s["channels"], s["height"], s["width"])
    return rs.randn(s["batch"], s["input_size"] if name == "Affine" else s["size"])


#: The attributes the book reads from a layer after its backward pass.
LAYER_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Affine": ("dW", "db"),
    "Convolution": ("dW", "db"),
    "BatchNormalization": ("dgamma", "dbeta", "running_mean", "running_var"),
}


def layer_case(name: str, settings: dict[str, Any], steps: int, seed: int) -> Case:
    """The book's layer ``name``: one forward and backward pass per step on new inputs.

    Outputs per step: ``out`` and ``dx`` (and the parameter gradients or running
    statistics the book reads after backward); BatchNormalization and Dropout also
    ``out_test``, a test-mode forward pass on another input.
    """
    s = _merged(LAYER_DEFAULTS[name], settings, f"the {name} check")
    rs = np.random.RandomState(seed)
    layer, args = _layer(name, s, rs, seed)
    step_inputs, outputs = [], []
    for _ in range(steps):
        x = _layer_input(name, s, rs)
        if name == "SoftmaxWithLoss":
            t = _onehot(rs.randint(0, s["size"], s["batch"]), s["size"])
            out = {"out": float(layer.forward(x, t)), "dx": layer.backward(1)}
            step_inputs.append({"x": x, "t": t})
        else:
            train = name in ("BatchNormalization", "Dropout")
            y = layer.forward(x.copy(), True) if train else layer.forward(x.copy())
            dout = rs.randn(*y.shape)
            out = {"out": y.copy(), "dx": layer.backward(dout.copy()).copy()}
            for attr in LAYER_ATTRIBUTES.get(name, ()):
                out[attr] = np.array(getattr(layer, attr), copy=True)
            step = {"x": x, "dout": dout}
            if train:
                x_test = _layer_input(name, s, rs)
                out["out_test"] = layer.forward(x_test.copy(), False).copy()
                step["x_test"] = x_test
            step_inputs.append(step)
        outputs.append(out)
    inputs = {"seed": seed, "args": args, "steps": step_inputs}
    return Case("layer", name, dict(settings), inputs, outputs)


def _function_args(name: str, step: int, rs: np.random.RandomState) -> list[Any]:
    """The book's positional arguments for ``name`` at ``step`` (im2col's geometry varies)."""
    if name == "cross_entropy_error":
        y = softmax(rs.randn(4, 5))
        return [y, _onehot(rs.randint(0, 5, 4), 5)]
    if name in ("im2col", "col2im"):
        stride, pad = 1 + step % 2, step % 3
        shape = (2, 2, 5, 6)
        if name == "im2col":
            return [rs.randn(*shape), 3, 2, stride, pad]
        out_h = (shape[2] + 2 * pad - 3) // stride + 1
        out_w = (shape[3] + 2 * pad - 2) // stride + 1
        col = rs.randn(shape[0] * out_h * out_w, shape[1] * 3 * 2)
        return [col, list(shape), 3, 2, stride, pad]
    if name == "numerical_gradient":
        return [rs.randn(3, 4)]
    return [3.0 * rs.randn(4, 5)]


def _sum_squares(x: np.ndarray) -> float:
    return np.sum(x**2)


def _call_function(name: str, args: list[Any]) -> Any:
    if name == "numerical_gradient":
        return numerical_gradient(_sum_squares, args[0].copy())
    if name == "col2im":
        return col2im(args[0], tuple(args[1]), *args[2:])
    f = {
        "softmax": softmax,
        "cross_entropy_error": cross_entropy_error,
        "sigmoid": sigmoid,
        "relu": relu,
        "im2col": im2col,
    }[name]
    return f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])


def function_case(name: str, steps: int, seed: int) -> Case:
    """The book's function ``name`` on new arguments each step; output ``out``."""
    rs = np.random.RandomState(seed)
    step_inputs, outputs = [], []
    for step in range(steps):
        args = _function_args(name, step, rs)
        out = _call_function(name, args)
        outputs.append({"out": float(out) if np.ndim(out) == 0 else np.array(out, copy=True)})
        step_inputs.append({"args": args})
    return Case("function", name, {}, {"seed": seed, "steps": step_inputs}, outputs)


def _net_settings(component: str, given: dict[str, Any], what: str) -> dict[str, Any]:
    defaults = dict(NET_DEFAULTS)
    if component == "MultiLayerNetExtend":
        defaults.update(EXTEND_DEFAULTS)
    s = _merged(defaults, given, what)
    s["hidden_size_list"] = [int(n) for n in s["hidden_size_list"]]
    return s


def _net(component: str, s: dict[str, Any], rs: np.random.RandomState, seed: int):
    """The book's net with numpy-drawn parameters, its rng at ``seed`` (dropout's draws)."""
    rng = np.random.RandomState(seed)
    cls = MultiLayerNetExtend if component == "MultiLayerNetExtend" else MultiLayerNet
    net = cls(**s, rng=rng)
    rng.seed(seed)  # the layers hold this stream: their draws start at seed, as the port's
    params = {}
    for key, value in net.params.items():
        drawn = rs.randn(*value.shape) * (0.5 if key.startswith("W") else 0.1)
        if key.startswith("gamma"):
            drawn += 1.0
        value[...] = drawn
        params[key] = drawn.copy()
    return net, params


def _net_batch(s: dict[str, Any], rs: np.random.RandomState, n: int):
    x = rs.randn(n, s["input_size"])
    return x, _onehot(rs.randint(0, s["output_size"], n), s["output_size"])


def net_case(component: str, settings: dict[str, Any], steps: int, seed: int) -> Case:
    """The book's net: ``loss`` and every gradient on a new minibatch each step."""
    s = _net_settings(component, settings, f"the {component} check's net")
    rs = np.random.RandomState(seed)
    net, params = _net(component, s, rs, seed)
    step_inputs, outputs = [], []
    for _ in range(steps):
        x, t = _net_batch(s, rs, NET_BATCH)
        out = {"loss": float(net.loss(x.copy(), t))}
        out.update({k: np.array(v, copy=True) for k, v in net.gradient(x.copy(), t).items()})
        outputs.append(out)
        step_inputs.append({"x": x, "t": t})
    inputs = {
        "seed": seed,
        "keys": list(params),
        "args": {**s, "params": params},
        "steps": step_inputs,
    }
    return Case("net", component, dict(settings), inputs, outputs)


def training_case(component: str, settings: dict[str, Any], steps: int, seed: int) -> Case:
    """The book's ``Trainer.train_step`` (gradient, update, loss) on numpy-drawn minibatches.

    Outputs per step: ``loss`` after the update and every parameter.
    """
    net_given = dict(settings.get("net", {}))
    s = _net_settings(component, net_given, "the training check's net")
    name = settings.get("optimizer", "SGD")
    hyper = dict(settings.get("hyper") or TRAINING_HYPER)
    batch = int(settings.get("batch_size", NET_BATCH))
    rs = np.random.RandomState(seed)
    net, params = _net(component, s, rs, seed)
    opt = make_optimizer(name, **hyper)
    hyper = book_hyper(opt)
    x_train, t_train = _net_batch(s, rs, TRAINING_SAMPLES)
    step_inputs, outputs = [], []
    for _ in range(steps):
        mask = rs.choice(TRAINING_SAMPLES, batch)
        x, t = x_train[mask], t_train[mask]
        grads = net.gradient(x.copy(), t)
        opt.update(net.params, grads)
        out = {"loss": float(net.loss(x.copy(), t))}
        out.update({k: np.array(v, copy=True) for k, v in net.params.items()})
        outputs.append(out)
        step_inputs.append({"x": x, "t": t})
    inputs = {
        "seed": seed,
        "keys": list(params),
        "args": {**s, "params": params},
        "hyper": hyper,
        "steps": step_inputs,
    }
    case_settings = {"net": net_given, "optimizer": name, "hyper": hyper, "batch_size": batch}
    return Case("training", component, case_settings, inputs, outputs)


def build_case(kind: str, component: str, settings: dict[str, Any], steps: int, seed: int) -> Case:
    """The reference's case for one check.

    Args:
        kind: "optimizer", "layer", "function", "net" or "training".
        component: the book's name of the component (see :data:`COMPONENTS`).
        settings: what the port file registered (``hyper`` for an optimizer, size
            overrides for a layer or net, the training's optimizer and net).
        steps: how many steps (updates, passes, minibatches) to run, >= 1.
        seed: the seed of both numpy streams (inputs, and the component's own draws).

    Returns:
        The :class:`Case`: inputs for the port, the reference's outputs per step.
    """
    if kind not in COMPONENTS or component not in COMPONENTS[kind]:
        raise CaseError(f"no reference for {kind} {component!r}")
    if kind == "optimizer":
        return optimizer_case(component, settings, steps, seed)
    if kind == "layer":
        return layer_case(component, settings, steps, seed)
    if kind == "function":
        return function_case(component, steps, seed)
    if kind == "net":
        return net_case(component, settings, steps, seed)
    return training_case(component, settings, steps, seed)
