"""The optimizers of 6.1: SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam.

Each keeps the book's constructor arguments, its ``update(params, grads)`` that
changes ``params`` in place, and its state attributes under the book's names
(``Momentum.v``, ``AdaGrad.h``, ``Adam.m``/``Adam.v``/``Adam.iter``, ...). State is
created on the first update, one zero array per parameter, unless the user has
set it beforehand to start from a given state.

Every update repeats the book's floating-point operations in the book's order;
in-place forms are used only where they round identically (a *= b is a = a * b),
so trajectories stay bit-identical to the book's code while allocating less.
``params`` may hold numpy arrays or plain floats (the 2-D toy problem of 6.1.7).
"""

from __future__ import annotations

import math
from typing import Callable, Union

import numpy as np

from pyref.checks import check_choice, check_positive, check_unit_interval

Param = Union[np.ndarray, float]
Params = dict[str, Param]

#: The book's constant added to the square-root denominator of AdaGrad, RMSprop and Adam.
DEFAULT_EPS = 1e-7

#: Adam's two forms: the book's folded learning rate, or the paper's bias-corrected moments.
ADAM_FORMS = ("textbook", "paper")


def _check_update_args(
    params: Params, grads: Params, state: dict | None = None, state_name: str = ""
) -> None:
    """Every parameter (a numpy array or a plain number) has a gradient of its shape,
    and, once the optimizer has state, state of its own."""
    for name, d in (("params", params), ("grads", grads)):
        if not isinstance(d, dict):
            raise TypeError(f"{name} must be a dict of arrays, not {type(d).__name__}")
    for key, val in params.items():
        if key not in grads:
            raise ValueError(f"grads has no entry for parameter {key!r}")
        if state is not None and key not in state:
            raise ValueError(
                f"params has {key!r}, which it did not have at the first update: "
                f"{state_name} has state for {', '.join(map(repr, state))} only"
            )
        grad = grads[key]
        if not (type(val) is np.ndarray and type(grad) is np.ndarray):  # arrays: checked fast
            for name, v in (("params", val), ("grads", grad)):
                if isinstance(v, bool) or not isinstance(
                    v, (np.ndarray, float, int, np.floating, np.integer)
                ):
                    raise TypeError(
                        f"{name}[{key!r}] must be a numpy array or a number, not {type(v).__name__}"
                    )
        if np.shape(grad) != np.shape(val):
            raise ValueError(
                f"grads[{key!r}] has shape {np.shape(grad)}, params[{key!r}] has {np.shape(val)}"
            )


def _zeros_like(params: Params) -> dict[str, np.ndarray]:
    """One float64 zero array per parameter: a fresh optimizer state."""
    return {key: np.zeros_like(val, dtype=float) for key, val in params.items()}


class Optimizer:
    """What every rule shares: its settings are attributes, :meth:`init` creates its
    per-parameter state under the book's names (``v``, ``h``, ``m``), and one
    :meth:`update` drives the rule's elementwise kernel on each parameter (as
    Optimisers.jl's ``apply!``; PyRef's ``update!`` is the same driver)."""

    #: The per-parameter state the rule keeps, by its attributes' (the book's) names.
    state_fields: tuple[str, ...] = ()

    def init(self, params: Params) -> None:
        """Create the state the rule lacks: one float64 zero array per parameter.

        Args:
            params: parameter name -> array (any shape) or float.
        """
        for name in self.state_fields:
            if getattr(self, name) is None:
                setattr(self, name, _zeros_like(params))

    def _step_rule(self) -> tuple[Callable[..., Param], tuple[float, ...]]:
        """The rule's kernel and the scalars one update shares across parameters."""
        raise NotImplementedError

    def update(self, params: Params, grads: Params) -> None:
        """One step on ``params`` in place (a plain-float parameter is replaced).

        Args:
            params: parameter name -> array (any shape) or float.
            grads: the gradient of each parameter, same names and shapes.
        """
        rule = type(self).__name__
        if not self.state_fields:
            _check_update_args(params, grads)
        for name in self.state_fields:
            _check_update_args(params, grads, getattr(self, name), f"{rule}.{name}")
        self.init(params)
        kernel, scalars = self._step_rule()
        states = [getattr(self, name) for name in self.state_fields]
        for key in params:
            params[key] = kernel(params[key], grads[key], *(st[key] for st in states), *scalars)


# The kernels: one parameter, its gradient and state, the rule's scalars; the state
# changes in place, the parameter too where it is an array, and is returned.


def _sgd(p: Param, g: Param, lr: float) -> Param:
    p -= lr * g
    return p


def _momentum(p: Param, g: Param, v: np.ndarray, lr: float, m: float) -> Param:
    v *= m
    v -= lr * g
    p += v
    return p


def _nesterov(p: Param, g: Param, v: np.ndarray, lr: float, m: float) -> Param:
    p += m * m * v
    p -= (1 + m) * lr * g
    v *= m
    v -= lr * g
    return p


def _adagrad(p: Param, g: Param, h: np.ndarray, lr: float, eps: float) -> Param:
    h += g * g
    p -= lr * g / (np.sqrt(h) + eps)
    return p


def _rmsprop(p: Param, g: Param, h: np.ndarray, lr: float, d: float, eps: float) -> Param:
    h *= d
    h += (1 - d) * g * g
    p -= lr * g / (np.sqrt(h) + eps)
    return p


def _adam_textbook(
    p: Param, g: Param, m: np.ndarray, v: np.ndarray, lr_t: float, b1: float, b2: float, eps: float
) -> Param:
    m += (1 - b1) * (g - m)
    v += (1 - b2) * (g**2 - v)
    p -= lr_t * m / (np.sqrt(v) + eps)
    return p


def _adam_paper(
    p: Param,
    g: Param,
    m: np.ndarray,
    v: np.ndarray,
    lr: float,
    bias1: float,
    bias2: float,
    b1: float,
    b2: float,
    eps: float,
) -> Param:
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * (g * g)
    p -= lr * (m / bias1) / (np.sqrt(v / bias2) + eps)
    return p


class SGD(Optimizer):
    """Stochastic gradient descent: W <- W - lr * dW."""

    def __init__(self, lr: float = 0.01) -> None:
        """SGD with its learning rate.

        Args:
            lr: learning rate, > 0.
        """
        self.lr = check_positive("lr", lr)

    def _step_rule(self):
        return _sgd, (self.lr,)


class Momentum(Optimizer):
    """Momentum SGD: v <- momentum * v - lr * dW; W <- W + v."""

    state_fields = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        """Momentum with its settings; its state ``v`` is made at the first update.

        Args:
            lr: learning rate, > 0.
            momentum: weight of the old velocity, in [0, 1).
        """
        self.lr = check_positive("lr", lr)
        self.momentum = check_unit_interval("momentum", momentum)
        self.v: dict[str, np.ndarray] | None = None

    def _step_rule(self):
        return _momentum, (self.lr, self.momentum)


class Nesterov(Optimizer):
    """Nesterov's accelerated gradient in the book's form:
    W <- W + momentum**2 * v - (1 + momentum) * lr * dW, then v <- momentum * v - lr * dW."""

    state_fields = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        """Nesterov with its settings; its state ``v`` is made at the first update.

        Args:
            lr: learning rate, > 0.
            momentum: weight of the old velocity, in [0, 1).
        """
        self.lr = check_positive("lr", lr)
        self.momentum = check_unit_interval("momentum", momentum)
        self.v: dict[str, np.ndarray] | None = None

    def _step_rule(self):
        return _nesterov, (self.lr, self.momentum)


class AdaGrad(Optimizer):
    """AdaGrad: h <- h + dW**2; W <- W - lr * dW / (sqrt(h) + eps)."""

    state_fields = ("h",)

    def __init__(self, lr: float = 0.01, *, eps: float = DEFAULT_EPS) -> None:
        """AdaGrad with its settings; its state ``h`` is made at the first update.

        Args:
            lr: learning rate, > 0.
            eps: added to the square root's denominator, > 0.
        """
        self.lr = check_positive("lr", lr)
        self.eps = check_positive("eps", eps)
        self.h: dict[str, np.ndarray] | None = None

    def _step_rule(self):
        return _adagrad, (self.lr, self.eps)


class RMSprop(Optimizer):
    """RMSprop: h <- d * h + (1 - d) * dW**2; W <- W - lr * dW / (sqrt(h) + eps)."""

    state_fields = ("h",)

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, *, eps: float = DEFAULT_EPS):
        """RMSprop with its settings; its state ``h`` is made at the first update.

        Args:
            lr: learning rate, > 0.
            decay_rate: weight of the old average of squares, in [0, 1).
            eps: added to the square root's denominator, > 0.
        """
        self.lr = check_positive("lr", lr)
        self.decay_rate = check_unit_interval("decay_rate", decay_rate)
        self.eps = check_positive("eps", eps)
        self.h: dict[str, np.ndarray] | None = None

    def _step_rule(self):
        return _rmsprop, (self.lr, self.decay_rate, self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, arXiv:1412.6980).

    ``form="textbook"`` (default) is the book's: the bias corrections folded into
    one step size lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t), with the moments
    updated as m += (1-beta1)*(g-m). ``form="paper"`` is Algorithm 1 of the paper:
    m = beta1*m + (1-beta1)*g, v = beta2*v + (1-beta2)*g**2, and the step
    lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m/(1-beta1**t), v_hat = v/(1-beta2**t).
    """

    state_fields = ("m", "v")

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        *,
        eps: float = DEFAULT_EPS,
        form: str = "textbook",
    ) -> None:
        """Adam with its settings; its state ``m``, ``v`` is made at the first update.

        Args:
            lr: learning rate, > 0.
            beta1, beta2: decay rates of the first and second moments, in [0, 1).
            eps: added to the square root's denominator, > 0.
            form: "textbook" (the book's) or "paper" (Algorithm 1).
        """
        self.lr = check_positive("lr", lr)
        self.beta1 = check_unit_interval("beta1", beta1)
        self.beta2 = check_unit_interval("beta2", beta2)
        self.eps = check_positive("eps", eps)
        self.form = check_choice("form", form, ADAM_FORMS)
        self.iter = 0
        self.m: dict[str, np.ndarray] | None = None
        self.v: dict[str, np.ndarray] | None = None

    def _step_rule(self):
        """Counts the step and folds in the bias corrections (Python's float ** int is
        the C library's pow, as in the book)."""
        self.iter += 1
        bias1 = 1.0 - self.beta1**self.iter
        bias2 = 1.0 - self.beta2**self.iter
        if self.form == "textbook":
            lr_t = self.lr * math.sqrt(bias2) / bias1
            return _adam_textbook, (lr_t, self.beta1, self.beta2, self.eps)
        return _adam_paper, (self.lr, bias1, bias2, self.beta1, self.beta2, self.eps)


#: Optimizer names (lower case, as the Trainer takes them) and their classes.
OPTIMIZERS: dict[str, type] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name: str, **params: float) -> object:
    """An optimizer from its name and constructor arguments.

    Args:
        name: one of ``OPTIMIZERS`` (case-insensitive).
        **params: the class's constructor arguments (``lr``, ``momentum``, ...).

    Returns:
        A new optimizer instance.
    """
    key = check_choice("optimizer", name, tuple(OPTIMIZERS))
    return OPTIMIZERS[key](**params)
