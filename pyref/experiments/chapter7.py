"""The book's ch07 scripts as functions that return their data (plotting is in figures).

- ``train_convnet``: train_convnet.py (SimpleConvNet, Adam lr 0.001, batches of 100,
  accuracy on 1,000 samples per epoch, 20 epochs).
- ``convnet_gradient_check``: gradient_check.py (a 1×10×10 input, 10 filters of 3×3).
- ``visualize_filter``: visualize_filter.py (the 30 first-layer filters before and
  after training).
- ``apply_filter``: apply_filter.py (learned filters applied to an image: here a digit).

Each draws from ``rng`` (numpy's global stream by default) in the order the book's
script does; the ones needing a trained net train it as train_convnet.py does, or
take its parameters (``params``, as ``load_param_file`` reads them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pyref.checks import check_nonnegative_int, check_positive_int
from pyref.convnet import CONVNET_PARAM_NAMES, SimpleConvNet
from pyref.convolution import Convolution
from pyref.datasets import NUM_CLASSES, first_samples
from pyref.deep_convnet import DeepConvNet
from pyref.rng import resolve_rng
from pyref.trainer import Trainer

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

__all__ = [
    "Data",
    "CONVNET_EPOCHS",
    "CONVNET_BATCH",
    "CONVNET_LR",
    "CONVNET_EVALUATE_SAMPLES",
    "GRADCHECK_INPUT_DIM",
    "GRADCHECK_CONV_PARAM",
    "GRADCHECK_HIDDEN",
    "GRADCHECK_LABEL",
    "APPLY_FILTERS",
    "train_network",
    "train_convnet",
    "convnet_gradient_check",
    "visualize_filter",
    "apply_filter",
]

#: train_convnet.py's settings.
CONVNET_EPOCHS = 20
CONVNET_BATCH = 100
CONVNET_LR = 0.001
CONVNET_EVALUATE_SAMPLES = 1000
#: gradient_check.py's net and input.
GRADCHECK_INPUT_DIM = (1, 10, 10)
GRADCHECK_CONV_PARAM = {"filter_num": 10, "filter_size": 3, "pad": 0, "stride": 1}
GRADCHECK_HIDDEN = 10
GRADCHECK_LABEL = 1
#: apply_filter.py shows the first 16 filters and their outputs.
APPLY_FILTERS = 16


def _images(data: Data, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    (x_train, t_train), _ = data
    if x_train.ndim != 4:
        raise ValueError(
            f"the data must be images (N, C, H, W): load_mnist(flatten=False), "
            f"got x_train of shape {x_train.shape}"
        )
    return first_samples(data, n)


def train_network(
    data: Data,
    network: SimpleConvNet | DeepConvNet,
    *,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> Trainer:
    """Train ``network`` as train_convnet.py does (train_deepnet.py trains its
    DeepConvNet alike): the Trainer with Adam (lr 0.001), batches of 100, accuracy on
    the first 1,000 training and test samples per epoch."""
    x_train, t_train = _images(data, train_samples)
    (_, _), (x_test, t_test) = data
    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=epochs,
        mini_batch_size=CONVNET_BATCH,
        optimizer="adam",
        optimizer_param={"lr": CONVNET_LR},
        evaluate_sample_num_per_epoch=CONVNET_EVALUATE_SAMPLES,
        verbose=False,
        progress=progress,
        rng=rng,
    )
    trainer.train()
    return trainer


def train_convnet(
    data: Data,
    *,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """train_convnet.py: the book's SimpleConvNet trained on MNIST images; the curves,
    the final test accuracy (all test samples) and the trained parameters."""
    network = SimpleConvNet(rng=rng)
    trainer = train_network(
        data, network, epochs=epochs, train_samples=train_samples, rng=rng, progress=progress
    )
    return training_record(data, network, trainer, epochs, CONVNET_PARAM_NAMES)


def training_record(
    data: Data, network: Any, trainer: Trainer, epochs: int, param_names: Sequence[str]
) -> dict[str, Any]:
    """What a convolutional net's training run returns (train_convnet, train_deepnet).

    Args:
        data: ((x_train, t_train), (x_test, t_test)), as the run was given it.
        network: the trained net.
        trainer: the Trainer that trained it.
        epochs: the epochs it ran.
        param_names: the net's parameters to keep, in order.

    Returns:
        "epochs", the curves "train_loss", "train_acc", "test_acc", "final_test_acc"
        (on all test samples) and copies of the trained "params".
    """
    (_, _), (x_test, t_test) = data
    return {
        "epochs": epochs,
        "train_loss": [float(v) for v in trainer.train_loss_list],
        "train_acc": [float(a) for a in trainer.train_acc_list],
        "test_acc": [float(a) for a in trainer.test_acc_list],
        "final_test_acc": float(network.accuracy(x_test, t_test)),
        "params": {key: network.params[key].copy() for key in param_names},
    }


def convnet_gradient_check(*, rng: np.random.RandomState | None = None) -> dict[str, Any]:
    """gradient_check.py: mean |numerical − backprop| per parameter for a small
    SimpleConvNet on one random 10×10 image of class 1."""
    network = SimpleConvNet(
        input_dim=GRADCHECK_INPUT_DIM,
        conv_param=GRADCHECK_CONV_PARAM,
        hidden_size=GRADCHECK_HIDDEN,
        output_size=NUM_CLASSES,
        weight_init_std=0.01,
        rng=rng,
    )
    X = resolve_rng(rng).rand(int(np.prod(GRADCHECK_INPUT_DIM))).reshape((1, *GRADCHECK_INPUT_DIM))
    T = np.array([GRADCHECK_LABEL]).reshape((1, 1))
    grad_num = network.numerical_gradient(X, T)
    grad = network.gradient(X, T)
    diff = {key: float(np.abs(grad_num[key] - grad[key]).mean()) for key in grad_num}
    return {"diff": diff}


def _trained(
    data: Data,
    network: SimpleConvNet,
    params: Mapping[str, np.ndarray] | None,
    epochs: int,
    train_samples: int | None,
    rng: np.random.RandomState | None,
    progress: bool,
) -> str:
    """Give ``network`` trained weights: ``params`` if given, else train it; says which."""
    if params is not None:
        network.set_params(params)
        return "given parameters"
    train_network(
        data, network, epochs=epochs, train_samples=train_samples, rng=rng, progress=progress
    )
    return f"trained here for {epochs} epochs"


def visualize_filter(
    data: Data,
    *,
    params: Mapping[str, np.ndarray] | None = None,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """visualize_filter.py: the first layer's filters of a new SimpleConvNet, then after
    training (given ``params``, as the book loads params.pkl, or trained here)."""
    network = SimpleConvNet(rng=rng)
    initial = network.params["W1"].copy()
    source = _trained(data, network, params, epochs, train_samples, rng, progress)
    return {"initial_W1": initial, "trained_W1": network.params["W1"].copy(), "trained": source}


def apply_filter(
    data: Data,
    *,
    params: Mapping[str, np.ndarray] | None = None,
    image_index: int = 0,
    filters: int = APPLY_FILTERS,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """apply_filter.py: the first ``filters`` learned filters, each applied alone (bias
    0, as the book) to one image: test digit ``image_index`` (the book uses a photo)."""
    network = SimpleConvNet(rng=rng)
    source = _trained(data, network, params, epochs, train_samples, rng, progress)
    (_, _), (x_test, _) = data
    index = check_nonnegative_int("image_index", image_index)
    if index >= x_test.shape[0]:
        raise ValueError(f"image_index={index} but the data has {x_test.shape[0]} test images")
    count = check_positive_int("filters", filters)
    W1 = network.params["W1"]
    if count > W1.shape[0]:
        raise ValueError(f"filters={count} but the net has {W1.shape[0]} filters")
    img = x_test[index].reshape(1, 1, *x_test.shape[2:])
    outputs = []
    for i in range(count):
        w = W1[i]
        w = w.reshape(1, *w.shape)
        out = Convolution(w, 0).forward(img)
        outputs.append(out.reshape(out.shape[2], out.shape[3]))
    return {
        "image": img[0, 0].astype(np.float64),
        "filters": W1[:count].copy(),
        "outputs": np.array(outputs),
        "image_index": index,
        "trained": source,
    }
