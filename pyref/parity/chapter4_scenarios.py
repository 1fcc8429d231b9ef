"""Chapter 4's parity scenarios: cross-entropy, numerical differentiation and gradients,
gradient descent, simpleNet and the two-layer net (its gradients and train_neuralnet.py's
loop, shortened).

Each function has a twin of the same name in ``julia/src/parity/chapter4_scenarios.jl``
(``PyRef.Chapter4Scenarios``), called with the same keywords; ``SCENARIOS`` lists them
for the suite (section "4").
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from pyref.functions import cross_entropy_error, numerical_gradient, sigmoid_grad, softmax
from pyref.gradient import gradient_descent, numerical_diff, numerical_gradient_2d
from pyref.parity.scenario import Scenario
from pyref.parity.tiers import CLOSE, NUMERICAL_GRADIENT, trajectory
from pyref.simple_nets import SigmoidTwoLayerNet, SimpleNet

RandomState = np.random.RandomState
#: The Julia module that holds the twins of this file's scenario functions.
_JULIA_TWINS = "PyRef.Chapter4Scenarios."


def function_1(x: Any) -> Any:
    """gradient_1d.py's 0.01 x² + 0.1 x."""
    return 0.01 * x**2 + 0.1 * x


def function_2(x: np.ndarray) -> Any:
    """gradient_2d.py's x0² + x1², of one point or of each row."""
    if x.ndim == 1:
        return np.sum(x**2)
    return np.sum(x**2, axis=1)


def cross_entropy(*, seed: int, n: int, classes: int) -> dict[str, Any]:
    """4.2's cross-entropy of softmax(randn) against labels, one-hot rows, one sample."""
    rs = RandomState(seed)
    y = softmax(3.0 * rs.randn(n, classes))
    t = rs.randint(0, classes, n)
    one_hot = np.eye(classes)[t]
    return {
        "labels": cross_entropy_error(y, t),
        "one_hot": cross_entropy_error(y, one_hot),
        "one_sample": cross_entropy_error(y[0], one_hot[0]),
        "one_label": cross_entropy_error(y[0], t[:1]),
    }


def differentiation(
    *,
    line: np.ndarray,
    axis: np.ndarray,
    curve: np.ndarray,
    points: list[float],
    step_num: int,
    lrs: list[float],
) -> dict[str, Any]:
    """4.3's numerical_diff of function_1 at ``points`` and gradient_1d.py's tangent lines
    over ``line``, the gradients of function_2 over gradient_2d.py's grid (``axis`` ×
    ``axis``), gradient_method.py's descent from (-3, 4) for each learning rate, and
    sigmoid_grad over ``curve``."""
    out: dict[str, Any] = {}
    for k, p in enumerate(points):
        d = numerical_diff(function_1, p)
        out[f"diff/{k}"] = d
        out[f"tangent/{k}"] = d * line + (function_1(p) - d * p)
    X, Y = np.meshgrid(axis, axis)
    out["field"] = numerical_gradient_2d(function_2, np.array([X.flatten(), Y.flatten()]).T).T
    out["point"] = numerical_gradient(function_2, np.array([3.0, 4.0]))
    for k, lr in enumerate(lrs):
        x, history = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=step_num)
        out[f"descent/{k}/x"] = x
        out[f"descent/{k}/history"] = history
    out["sigmoid_grad"] = sigmoid_grad(curve)
    return out


def _grids() -> dict[str, np.ndarray]:
    """The scripts' x axes: gradient_1d.py's arange(0, 20, 0.1), gradient_2d.py's
    arange(-2, 2.5, 0.25), ch03's arange(-5, 5, 0.1)."""
    return {
        "line": np.arange(0.0, 20.0, 0.1),
        "axis": np.arange(-2, 2.5, 0.25),
        "curve": np.arange(-5.0, 5.0, 0.1),
    }


def simple_net(*, seed: int) -> dict[str, Any]:
    """gradient_simplenet.py: W = randn(2, 3), its loss at x = (0.6, 0.9), t = (0, 0, 1)
    and its numerical gradient."""
    net = SimpleNet(rng=RandomState(seed))
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    W = net.W.copy()
    dW = numerical_gradient(lambda w: net.loss(x, t), net.W)
    return {"W": W, "loss": net.loss(x, t), "scores": net.predict(x), "dW": dW}


def two_layer_gradients(
    *, x: np.ndarray, t: np.ndarray, seed: int, hidden: int, numerical: int
) -> dict[str, Any]:
    """ch04's TwoLayerNet on (x, t): initial weights, loss, accuracy, scores and the
    gradient by backpropagation; then a net of 20 inputs drawn from the same stream, its
    gradient by central differences and by backpropagation on ``numerical`` drawn
    samples with the first labels of ``t``."""
    rs = RandomState(seed)
    net = SigmoidTwoLayerNet(x.shape[1], hidden, t.shape[1], rng=rs)
    out: dict[str, Any] = {"initial": dict(net.params)}
    out["loss"] = net.loss(x, t)
    out["accuracy"] = net.accuracy(x, t)
    out["scores"] = net.predict(x)
    out["grads"] = net.gradient(x, t)
    small = SigmoidTwoLayerNet(20, 8, t.shape[1], weight_init_std=0.5, rng=rs)
    xs = rs.randn(numerical, 20)
    out["small/numerical"] = small.numerical_gradient(xs, t[:numerical])
    out["small/gradient"] = small.gradient(xs, t[:numerical])
    return out


def train_two_layer(
    *,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray,
    t_test: np.ndarray,
    seed: int,
    iters_num: int,
    batch_size: int,
    learning_rate: float,
    hidden: int,
) -> dict[str, Any]:
    """train_neuralnet.py's loop: minibatches drawn by np.random.choice, SGD on the
    backpropagated gradient, the loss after each step, accuracies once per epoch."""
    rs = RandomState(seed)
    network = SigmoidTwoLayerNet(x_train.shape[1], hidden, t_train.shape[1], rng=rs)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss, train_acc, test_acc = [], [], []
    for i in range(iters_num):
        batch_mask = rs.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]
        train_loss.append(network.loss(x_batch, t_batch))
        if i % iter_per_epoch == 0:
            train_acc.append(network.accuracy(x_train, t_train))
            test_acc.append(network.accuracy(x_test, t_test))
    return {
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "params": dict(network.params),
    }


def _mnist_one_hot(n_train: int, n_test: int = 0) -> dict[str, np.ndarray]:
    from pyref.datasets import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    out = {"x_train": x_train[:n_train], "t_train": t_train[:n_train]}
    if n_test:
        out.update(x_test=x_test[:n_test], t_test=t_test[:n_test])
    return out


def _mnist_one_hot_batch(n: int) -> dict[str, np.ndarray]:
    data = _mnist_one_hot(n)
    return {"x": data["x_train"], "t": data["t_train"]}


#: Training outputs: accuracies must agree exactly, losses within the bound.
TRAINING_TIERS = {
    "train_loss": trajectory(1e-9),
    "train_acc": trajectory(0.0),
    "test_acc": trajectory(0.0),
    "params": CLOSE,
}

SCENARIOS = [
    Scenario("ch4-cross-entropy", cross_entropy, _JULIA_TWINS + "cross_entropy",
             kwargs={"seed": 40, "n": 50, "classes": 10}, section="4",
             description="4.2: labels, one-hot rows, one sample"),
    Scenario("ch4-differentiation", differentiation, _JULIA_TWINS + "differentiation",
             kwargs={"points": [5.0, 10.0], "step_num": 20, "lrs": [0.1, 10.0, 1e-10]},
             section="4", inputs=_grids,
             description="numerical_diff, gradient field, gradient descent (4.3, 4.4)"),
    Scenario("ch4-simple-net", simple_net, _JULIA_TWINS + "simple_net", kwargs={"seed": 41},
             tiers={"scores": CLOSE, "loss": CLOSE, "dW": NUMERICAL_GRADIENT}, section="4",
             description="4.4.2's simpleNet and its numerical gradient"),
    Scenario("ch4-two-layer-gradients", two_layer_gradients, _JULIA_TWINS + "two_layer_gradients",
             kwargs={"seed": 42, "hidden": 50, "numerical": 6},
             tiers={"loss": CLOSE, "scores": CLOSE, "grads": CLOSE, "small": NUMERICAL_GRADIENT},
             section="4", inputs=functools.partial(_mnist_one_hot_batch, 100),
             description="ch04's TwoLayerNet: backpropagated and numerical gradients"),
    Scenario("ch4-train-two-layer", train_two_layer, _JULIA_TWINS + "train_two_layer",
             kwargs={"seed": 43, "iters_num": 60, "batch_size": 100, "learning_rate": 0.1,
                     "hidden": 50},
             tiers=TRAINING_TIERS, section="4", inputs=functools.partial(_mnist_one_hot, 1000, 300),
             description="train_neuralnet.py's loop, 60 iterations on 1,000 digits"),
]  # fmt: skip
