"""The book's ch04 scripts (and ch05's train_neuralnet.py) as functions that return
their data (plotting is in figures).

- ``gradient_descent_path``: gradient_method.py (4.4.1: gradient descent on
  f(x0, x1) = x0² + x1² from (-3, 4), lr 0.1, 20 steps; no random numbers).
- ``train_two_layer_net``: train_neuralnet.py of ch04 and ch05 (4.5.2, 5.7.4): the
  two-layer net trained by SGD on minibatches drawn with replacement, its loss per
  step and its accuracy on all training and test digits once per epoch; the gradient
  by central differences (``"numerical"``, ch04's net, slow) or by backpropagation
  (``"backprop"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.checks import check_choice, check_positive_int, check_real
from pyref.datasets import NUM_CLASSES, first_samples
from pyref.gradient import gradient_descent
from pyref.rng import resolve_rng
from pyref.simple_nets import TWO_LAYER_PARAM_NAMES, SigmoidTwoLayerNet

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

__all__ = [
    "DESCENT_INIT_X",
    "DESCENT_LR",
    "DESCENT_STEPS",
    "TRAIN_ITERS",
    "TRAIN_BATCH",
    "TRAIN_LR",
    "TRAIN_HIDDEN",
    "GRADIENT_METHODS",
    "function_2",
    "gradient_descent_path",
    "train_two_layer_net",
]

#: gradient_method.py's start, learning rate and steps.
DESCENT_INIT_X = (-3.0, 4.0)
DESCENT_LR = 0.1
DESCENT_STEPS = 20
#: train_neuralnet.py's settings: 10,000 steps of 100 digits, lr 0.1, 784-50-10.
TRAIN_ITERS = 10000
TRAIN_BATCH = 100
TRAIN_LR = 0.1
TRAIN_HIDDEN = 50
#: How train-two-layer-net takes the gradient: ch04's central differences, or backprop.
GRADIENT_METHODS = ("numerical", "backprop")


def function_2(x: np.ndarray) -> float:
    """gradient_method.py's f(x) = x[0]**2 + x[1]**2."""
    return x[0] ** 2 + x[1] ** 2


def gradient_descent_path(
    *,
    init_x: tuple[float, float] = DESCENT_INIT_X,
    lr: float = DESCENT_LR,
    step_num: int = DESCENT_STEPS,
) -> dict[str, Any]:
    """gradient_method.py: the points gradient descent visits on x0² + x1².

    Returns:
        ``init_x``, ``lr``, ``step_num``; ``x_history`` (step_num, 2): the point before
        each step; ``x``: the last point.
    """
    start = np.array([check_real("init_x", v) for v in init_x], dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"init_x must be two numbers (x0, x1), got {len(start)}")
    x, x_history = gradient_descent(function_2, start.copy(), lr=lr, step_num=step_num)
    return {
        "init_x": [float(v) for v in start],
        "lr": float(lr),
        "step_num": int(step_num),
        "x_history": x_history.reshape(-1, 2),
        "x": x,
    }


def _two_layer_net(gradient: str, input_size: int, hidden_size: int, rng: Any) -> Any:
    """The net whose gradient method ``gradient`` names, weights drawn from ``rng``."""
    return SigmoidTwoLayerNet(input_size, hidden_size, NUM_CLASSES, rng=rng)


def train_two_layer_net(
    data: Data,
    *,
    gradient: str = "backprop",
    iters_num: int = TRAIN_ITERS,
    batch_size: int = TRAIN_BATCH,
    learning_rate: float = TRAIN_LR,
    hidden_size: int = TRAIN_HIDDEN,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """train_neuralnet.py: ``iters_num`` SGD steps on minibatches drawn with
    replacement, the accuracy on the whole training and test sets whenever the step
    count is a multiple of train_size / batch_size (the book's float ``iter_per_epoch``).

    Args:
        data: MNIST with one-hot labels, rows of 784 pixels.
        gradient: "numerical" (central differences: each step costs two forward passes
            per parameter) or "backprop".
        iters_num, batch_size, learning_rate, hidden_size: the book's 10,000, 100, 0.1, 50.
        train_samples: the first this many training digits (None: all).
        rng: the stream the weights and the minibatches are drawn from.

    Returns:
        ``gradient``, ``iters_num``, ``batch_size``, ``train_loss`` (one per step),
        ``train_acc`` and ``test_acc`` (one per epoch, from step 0).
    """
    gradient = check_choice("gradient", gradient, GRADIENT_METHODS)
    iters_num = check_positive_int("iters_num", iters_num)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = check_real("learning_rate", learning_rate)
    hidden_size = check_positive_int("hidden_size", hidden_size)
    x_train, t_train = first_samples(data, train_samples)
    (_, _), (x_test, t_test) = data
    r = resolve_rng(rng)
    network = _two_layer_net(gradient, x_train.shape[1], hidden_size, r)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss, train_acc, test_acc = [], [], []
    steps: Any = range(iters_num)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, total=iters_num, desc=f"two-layer net ({gradient})", leave=False)
    for i in steps:
        batch_mask = r.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        if gradient == "numerical":
            grad = network.numerical_gradient(x_batch, t_batch)
        else:
            grad = network.gradient(x_batch, t_batch)
        for key in TWO_LAYER_PARAM_NAMES:
            network.params[key] -= learning_rate * grad[key]
        train_loss.append(float(network.loss(x_batch, t_batch)))
        if i % iter_per_epoch == 0:
            train_acc.append(float(network.accuracy(x_train, t_train)))
            test_acc.append(float(network.accuracy(x_test, t_test)))
    return {
        "gradient": gradient,
        "iters_num": iters_num,
        "batch_size": batch_size,
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
    }
