"""The book's ch05 scripts (and ch04's train_neuralnet.py) as functions that return
their data (plotting is in figures).

- ``train_two_layer_net``: train_neuralnet.py of ch05 and ch04 (5.7.4, 4.5.2): the
  two-layer net trained by SGD on minibatches drawn with replacement, its loss per
  step and its accuracy on all training and test digits once per epoch; the gradient
  by backpropagation (``"backprop"``: ch05's layered net) or by central differences
  (``"numerical"``: ch04's net, slow).
- ``gradient_check``: gradient_check.py (5.7.3: ch05's net on the first three training
  digits, the mean |backprop − numerical| of each parameter's gradient).

Each draws from ``rng`` (numpy's global stream by default) in the order the book's
script does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.checks import check_choice, check_positive_int, check_real
from pyref.datasets import NUM_CLASSES, first_samples
from pyref.nets import LayeredTwoLayerNet
from pyref.rng import resolve_rng
from pyref.simple_nets import TWO_LAYER_PARAM_NAMES, SigmoidTwoLayerNet

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

__all__ = [
    "TRAIN_ITERS",
    "TRAIN_BATCH",
    "TRAIN_LR",
    "TRAIN_HIDDEN",
    "GRADIENT_METHODS",
    "CHECK_SAMPLES",
    "train_two_layer_net",
    "gradient_check",
]

#: train_neuralnet.py's settings: 10,000 steps of 100 digits, lr 0.1, 784-50-10.
TRAIN_ITERS = 10000
TRAIN_BATCH = 100
TRAIN_LR = 0.1
TRAIN_HIDDEN = 50
#: How train-two-layer-net takes the gradient: ch04's central differences, or backprop.
GRADIENT_METHODS = ("backprop", "numerical")
#: gradient_check.py checks the gradients on the first three training digits.
CHECK_SAMPLES = 3


def _two_layer_net(gradient: str, input_size: int, hidden_size: int, rng: Any) -> Any:
    """The net of the script whose gradient ``gradient`` names (ch04's sigmoid net for
    "numerical", ch05's layered ReLU net for "backprop"), weights drawn from ``rng``."""
    net = SigmoidTwoLayerNet if gradient == "numerical" else LayeredTwoLayerNet
    return net(input_size, hidden_size, NUM_CLASSES, rng=rng)


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
        gradient: "numerical" (ch04's script: its sigmoid net's central differences,
            two forward passes per parameter a step) or "backprop" (ch05's: its layered
            ReLU net's backpropagation).
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


def gradient_check(
    data: Data,
    *,
    hidden_size: int = TRAIN_HIDDEN,
    samples: int = CHECK_SAMPLES,
    rng: np.random.RandomState | None = None,
) -> dict[str, Any]:
    """gradient_check.py: ch05's TwoLayerNet (784-``hidden_size``-10) on the first
    ``samples`` training digits; each parameter's gradient by backpropagation and by
    central differences.

    Args:
        data: MNIST with one-hot labels, rows of 784 pixels.
        hidden_size: the hidden layer's width (the book's 50).
        samples: how many training digits (the book's 3).
        rng: the stream the weights are drawn from.

    Returns:
        ``diff``: parameter -> np.average(|backprop − numerical|); ``samples``.
    """
    x_batch, t_batch = first_samples(data, check_positive_int("samples", samples))
    network = LayeredTwoLayerNet(
        x_batch.shape[1], check_positive_int("hidden_size", hidden_size), NUM_CLASSES, rng=rng
    )
    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    grad_backprop = network.gradient(x_batch, t_batch)
    diff = {
        key: float(np.average(np.abs(grad_backprop[key] - grad_numerical[key])))
        for key in grad_numerical
    }
    return {"diff": diff, "samples": int(x_batch.shape[0])}
