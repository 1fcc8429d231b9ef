"""Chapter 5's parity scenarios: the computational graph (MulLayer, AddLayer) and the
layered TwoLayerNet (gradients by backpropagation and by central differences, and the
book's training loop).

Each function has a twin of the same name in
``julia/src/parity/chapter5_scenarios.jl`` (``PyRef.Chapter5Scenarios``); each starts its
own ``RandomState(seed)``. ``SCENARIOS`` (at the bottom) is this chapter's part of the
suite, section "5".
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from pyref.layers import AddLayer, MulLayer
from pyref.nets import TWO_LAYER_PARAM_NAMES, LayeredTwoLayerNet
from pyref.parity.scenario import Scenario
from pyref.parity.tiers import CLOSE, NUMERICAL_GRADIENT

RandomState = np.random.RandomState

#: buy_apple_orange.py's numbers: 2 apples at 100, 3 oranges at 150, tax 1.1.
BOOK_PURCHASE = {"apple": 100, "apple_num": 2, "orange": 150, "orange_num": 3, "tax": 1.1}


def _purchase(apple: Any, apple_num: Any, orange: Any, orange_num: Any, tax: Any) -> dict[str, Any]:
    """buy_apple_orange.py's graph: forward, then backward from dprice = 1."""
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    apple_price = mul_apple.forward(apple, apple_num)
    orange_price = mul_orange.forward(orange, orange_num)
    all_price = add.forward(apple_price, orange_price)
    price = mul_tax.forward(all_price, tax)
    dall_price, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dall_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    return {
        "all_price": all_price,
        "price": price,
        "dapple": dapple,
        "dapple_num": dapple_num,
        "dorange": dorange,
        "dorange_num": dorange_num,
        "dtax": dtax,
    }


def computational_graph(*, seed: int, n: int) -> dict[str, Any]:
    """The book's purchase graph on its own numbers (ints and 1.1), then on ``n``
    drawn prices (floats), counts (ints) and tax rates."""
    rs = RandomState(seed)
    drawn = _purchase(
        100.0 * rs.rand(n), rs.randint(1, 10, n), 100.0 * rs.rand(n), rs.randint(1, 10, n),
        1.0 + rs.rand(n),
    )  # fmt: skip
    return {"book": _purchase(**BOOK_PURCHASE), "drawn": drawn}


def two_layer_gradients(
    *, x: np.ndarray, t: np.ndarray, seed: int, hidden: int, numerical: bool
) -> dict[str, Any]:
    """A LayeredTwoLayerNet drawn from ``seed``'s stream on (x, t): initial weights,
    scores, loss, accuracy, gradients by backpropagation (and, with ``numerical``, by
    central differences)."""
    net = LayeredTwoLayerNet(x.shape[1], hidden, t.shape[1], rng=RandomState(seed))
    out: dict[str, Any] = {"initial": {k: v.copy() for k, v in net.params.items()}}
    if numerical:
        out["numerical"] = net.numerical_gradient(x, t)
    out["grads"] = {k: v.copy() for k, v in net.gradient(x, t).items()}
    out.update(scores=net.predict(x), loss=net.loss(x, t), accuracy=net.accuracy(x, t))
    return out


def two_layer_training(
    *,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray,
    t_test: np.ndarray,
    seed: int,
    hidden: int,
    iters: int,
    batch_size: int,
    learning_rate: float,
) -> dict[str, Any]:
    """ch05/train_neuralnet.py's loop on ``seed``'s stream: the net, then per step a
    minibatch (choice with replacement), the gradient, the in-place update and the
    batch loss; accuracies every ``iter_per_epoch`` steps from step 0."""
    rs = RandomState(seed)
    net = LayeredTwoLayerNet(x_train.shape[1], hidden, t_train.shape[1], rng=rs)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    losses, train_acc, test_acc = [], [], []
    for i in range(iters):
        batch_mask = rs.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = net.gradient(x_batch, t_batch)
        for key in TWO_LAYER_PARAM_NAMES:
            net.params[key] -= learning_rate * grad[key]
        losses.append(net.loss(x_batch, t_batch))
        if i % iter_per_epoch == 0:
            train_acc.append(net.accuracy(x_train, t_train))
            test_acc.append(net.accuracy(x_test, t_test))
    return {
        "train_loss": losses,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "params": dict(net.params),
    }


@functools.lru_cache(maxsize=2)
def _one_hot_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    from pyref.datasets import load_mnist

    return load_mnist(normalize=True, one_hot_label=True)


def one_hot_batch(n: int) -> dict[str, np.ndarray]:
    """``x`` and ``t``: the first ``n`` training digits, one-hot labels (as ch05's scripts)."""
    (x, t), _ = _one_hot_mnist()
    return {"x": x[:n], "t": t[:n]}


def one_hot_data(n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """The first ``n_train`` training and ``n_test`` test digits, one-hot labels."""
    (x_train, t_train), (x_test, t_test) = _one_hot_mnist()
    return {
        "x_train": x_train[:n_train],
        "t_train": t_train[:n_train],
        "x_test": x_test[:n_test],
        "t_test": t_test[:n_test],
    }


#: The Julia module that holds the twins of this file's scenario functions.
_JULIA_TWINS = "PyRef.Chapter5Scenarios."
#: Outputs through matrix products: every bit in numpy-BLAS mode, else within one pass.
_NET = {"grads": CLOSE, "numerical": NUMERICAL_GRADIENT, "scores": CLOSE, "loss": CLOSE}

SCENARIOS: list[Scenario] = [
    Scenario("graph-mul-add", computational_graph, _JULIA_TWINS + "computational_graph",
             kwargs={"seed": 50, "n": 7}, section="5",
             description="buy_apple_orange.py's MulLayer/AddLayer graph: the book's numbers, drawn arrays"),
    Scenario("two-layer-net-gradients", two_layer_gradients, _JULIA_TWINS + "two_layer_gradients",
             kwargs={"seed": 51, "hidden": 50, "numerical": False}, tiers=_NET, section="5",
             inputs=functools.partial(one_hot_batch, 100),
             description="ch05's TwoLayerNet on 100 digits: scores, loss, backprop gradients"),
    Scenario("two-layer-net-gradient-check", two_layer_gradients, _JULIA_TWINS + "two_layer_gradients",
             kwargs={"seed": 52, "hidden": 4, "numerical": True}, tiers=_NET, section="5",
             inputs=functools.partial(one_hot_batch, 3),
             description="gradient_check.py on 3 digits (4 hidden units): numerical and backprop"),
    Scenario("two-layer-net-training", two_layer_training, _JULIA_TWINS + "two_layer_training",
             kwargs={"seed": 53, "hidden": 50, "iters": 60, "batch_size": 100, "learning_rate": 0.1},
             tiers={"train_loss": CLOSE, "params": CLOSE}, section="5",
             inputs=functools.partial(one_hot_data, 1000, 300),
             description="train_neuralnet.py's loop: 60 steps on 1,000 digits"),
]  # fmt: skip
