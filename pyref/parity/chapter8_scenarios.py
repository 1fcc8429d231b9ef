"""Chapter 8's parity scenarios: the book's DeepConvNet (its draws, forward in both
modes, loss, gradients, batched accuracy) and its training by the Trainer with Adam,
as train_deepnet.py trains it.

Each function has a twin of the same name in
``julia/src/parity/chapter8_scenarios.jl`` (``PyRef.Chapter8Scenarios``); each starts its
own ``RandomState(seed)``, which the dropout layers and the Trainer draw from too.
``SCENARIOS`` (at the bottom) is this chapter's part of the suite, section "8".
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from pyref.deep_convnet import DeepConvNet
from pyref.experiments.registry import FULL_DATA
from pyref.parity.scenario import Scenario
from pyref.parity.tiers import CLOSE, close, trajectory
from pyref.trainer import Trainer

RandomState = np.random.RandomState


def deep_convnet_gradients(
    *, x: np.ndarray, t: np.ndarray, seed: int, settings: dict[str, Any], batch_size: int
) -> dict[str, Any]:
    """A DeepConvNet (``settings``: the constructor's keywords) drawn from ``seed``'s
    stream on (x, t), in this order: initial weights, gradients (training mode: two
    dropout masks drawn), the loss (two more), test-mode scores, training-mode scores
    (two more) and the batched accuracy."""
    rs = RandomState(seed)
    net = DeepConvNet(rng=rs, **settings)
    initial = {key: value.copy() for key, value in net.params.items()}
    grads = {key: value.copy() for key, value in net.gradient(x, t).items()}
    loss = net.loss(x, t)
    return {
        "initial": initial,
        "grads": grads,
        "loss": loss,
        "scores": net.predict(x),
        "train_scores": net.predict(x, train_flg=True),
        "accuracy": net.accuracy(x, t, batch_size=batch_size),
    }


def deep_convnet_half_float(
    *, x: np.ndarray, t: np.ndarray, seed: int, batch_size: int
) -> dict[str, Any]:
    """half_float_network.py's steps on a DeepConvNet drawn from ``seed``'s stream: test
    scores and accuracy, then the same with the images cast to float16 and every
    parameter rounded to float16 in place (its array stays float64), as the book does.

    Notes:
        The book's net computes nothing in float16: its parameters keep their float64
        arrays (``param[...] = param.astype(np.float16)``) and every Convolution's im2col
        copies the float16 images into a float64 ``col``, so each layer after the first
        cast computes in float64. Only the two roundings are float16's.
    """
    rs = RandomState(seed)
    net = DeepConvNet(rng=rs)
    scores = net.predict(x)
    acc = net.accuracy(x, t, batch_size=batch_size)
    x16 = x.astype(np.float16)
    for param in net.params.values():
        param[...] = param.astype(np.float16)
    return {
        "scores": scores,
        "accuracy": acc,
        "half_params": {key: value.copy() for key, value in net.params.items()},
        "half_scores": net.predict(x16),
        "half_accuracy": net.accuracy(x16, t, batch_size=batch_size),
    }


def trainer_deep_convnet(
    *,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray,
    t_test: np.ndarray,
    seed: int,
    net: dict[str, Any],
    trainer: dict[str, Any],
) -> dict[str, Any]:
    """train_deepnet.py on ``seed``'s stream: a DeepConvNet trained by the Trainer; the
    curves, the final test accuracy and the trained parameters."""
    rs = RandomState(seed)
    model = DeepConvNet(rng=rs, **net)
    tr = Trainer(model, x_train, t_train, x_test, t_test, verbose=False, rng=rs, **trainer)
    final = tr.train()
    return {
        "train_loss": tr.train_loss_list,
        "train_acc": tr.train_acc_list,
        "test_acc": tr.test_acc_list,
        "final_test_acc": final,
        "params": dict(model.params),
    }


@functools.lru_cache(maxsize=2)
def _images() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    from pyref.datasets import load_mnist

    return load_mnist(flatten=False)


def image_batch(n: int, start: int = 0) -> dict[str, np.ndarray]:
    """``x`` and ``t``: training images ``start`` … ``start + n - 1``, as
    load_mnist(flatten=False) gives them (float32, (N, 1, 28, 28))."""
    (x, t), _ = _images()
    return {"x": x[start : start + n], "t": t[start : start + n]}


def padded_image(index: int) -> dict[str, np.ndarray]:
    """``x`` and ``t``: training image ``index`` zero-padded to 30×30 (shape (1, 1, 30, 30))."""
    data = image_batch(1, index)
    return {"x": np.pad(data["x"], [(0, 0), (0, 0), (1, 1), (1, 1)]), "t": data["t"]}


def image_data(n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """The first ``n_train`` training and ``n_test`` test images (load_mnist(flatten=False))."""
    (x_train, t_train), (x_test, t_test) = _images()
    return {
        "x_train": x_train[:n_train],
        "t_train": t_train[:n_train],
        "x_test": x_test[:n_test],
        "t_test": t_test[:n_test],
    }


#: The Julia module that holds the twins of this file's scenario functions.
_JULIA_TWINS = "PyRef.Chapter8Scenarios."
_NET = {"grads": CLOSE, "loss": CLOSE, "scores": CLOSE, "train_scores": CLOSE}
#: Training through many matrix products: every bit in numpy-BLAS mode.
_TRAINING = {
    "train_loss": trajectory(1e-9),
    "train_acc": trajectory(0.0),
    "test_acc": trajectory(0.0),
    "final_test_acc": trajectory(0.0),
    "params": close(1e-9),
}
#: train_deepnet.py's Trainer settings (its epochs aside).
BOOK_TRAINER = {
    "mini_batch_size": 100,
    "optimizer": "adam",
    "optimizer_param": {"lr": 0.001},
    "evaluate_sample_num_per_epoch": 1000,
}
_SMALL = {
    "input_dim": [1, 12, 12],
    **{f"conv_param_{i}": {"filter_num": 3} for i in range(1, 7)},
    "hidden_size": 8,
}

SCENARIOS: list[Scenario] = [
    Scenario("deep-convnet-gradients", deep_convnet_gradients, _JULIA_TWINS + "deep_convnet_gradients",
             kwargs={"seed": 80, "settings": {}, "batch_size": 8}, tiers=_NET, section="8",
             inputs=functools.partial(image_batch, 20),
             description="the book's DeepConvNet on 20 digits: draws, dropout, loss, gradients"),
    Scenario("deep-convnet-gradients-single", deep_convnet_gradients, _JULIA_TWINS + "deep_convnet_gradients",
             kwargs={"seed": 81, "settings": {}, "batch_size": 1}, tiers=_NET, section="8",
             inputs=functools.partial(image_batch, 1, 7),
             description="one image (numpy's Fortran-ordered col and gemv paths)"),
    Scenario("deep-convnet-gradients-small", deep_convnet_gradients, _JULIA_TWINS + "deep_convnet_gradients",
             kwargs={"seed": 82, "settings": {**_SMALL, "output_size": 10}, "batch_size": 4},
             tiers=_NET, section="8",
             inputs=lambda: {"x": image_batch(9)["x"][:, :, 8:20, 8:20], "t": image_batch(9)["t"]},
             description="3 filters per convolution on 12×12 crops, 8 hidden units"),
    Scenario("deep-convnet-gradients-unpadded", deep_convnet_gradients, _JULIA_TWINS + "deep_convnet_gradients",
             kwargs={"seed": 84, "settings": {"input_dim": [1, 30, 30], "conv_param_2": {"pad": 0}},
                     "batch_size": 1},
             tiers=_NET, section="8", inputs=functools.partial(padded_image, 7),
             description="one 30×30 image, the second convolution unpadded: numpy views its dx in Fortran order"),
    Scenario("deep-convnet-half-float", deep_convnet_half_float, _JULIA_TWINS + "deep_convnet_half_float",
             kwargs={"seed": 85, "batch_size": 8}, tiers={"scores": CLOSE, "half_scores": CLOSE}, section="8",
             inputs=functools.partial(image_batch, 20, 40),
             description="half_float_network.py's float16 casts on 20 digits: images and weights rounded"),
    Scenario("trainer-deep-convnet", trainer_deep_convnet, _JULIA_TWINS + "trainer_deep_convnet",
             kwargs={"seed": 83, "net": {},
                     "trainer": {**BOOK_TRAINER, "epochs": 1, "mini_batch_size": 50,
                                 "evaluate_sample_num_per_epoch": 50}},
             tiers=_TRAINING, section="8", inputs=functools.partial(image_data, 100, 100),
             description="two Adam steps of train_deepnet.py on 100 digits"),
    Scenario("full-train-deepnet", trainer_deep_convnet, _JULIA_TWINS + "trainer_deep_convnet",
             kwargs={"seed": 0, "net": {}, "trainer": {**BOOK_TRAINER, "epochs": 20}},
             tiers=_TRAINING, section="8", quick=False, full=True,
             inputs=functools.partial(image_data, *FULL_DATA),
             description="train_deepnet.py at the book's length (20 epochs; on the embedded digits)"),
]  # fmt: skip
