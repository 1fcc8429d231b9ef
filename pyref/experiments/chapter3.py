"""The book's ch03 script as a function that returns its data (plotting is in figures).

- ``neuralnet_mnist``: neuralnet_mnist.py (3.6.2: the three-layer net's accuracy on
  the test digits, one digit at a time), on the book's trained weights when given
  (``params``: ch03/sample_weight.pkl as :func:`pyref.simple_nets.init_network` reads
  it from the user's checkout; pyref never ships it), else on weights of the same
  784-50-100-10 sigmoid architecture trained here, which the result says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pyref.checks import check_positive_int
from pyref.datasets import NUM_CLASSES, first_samples
from pyref.nets import MultiLayerNet
from pyref.rng import resolve_rng
from pyref.simple_nets import SAMPLE_NETWORK_NAMES, check_network, predict
from pyref.trainer import Trainer

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

__all__ = [
    "NEURALNET_HIDDEN",
    "NEURALNET_EPOCHS",
    "NEURALNET_BATCH",
    "NEURALNET_LR",
    "NEURALNET_EXAMPLES",
    "train_sample_network",
    "neuralnet_mnist",
]

#: sample_weight.pkl's architecture: 784-50-100-10, sigmoid hidden layers.
NEURALNET_HIDDEN = (50, 100)
#: How the net is trained here when no weights are given: Adam, batches of 100.
NEURALNET_EPOCHS = 10
NEURALNET_BATCH = 100
NEURALNET_LR = 0.01
#: The test digits whose predictions the result keeps (for the figure).
NEURALNET_EXAMPLES = 10


def train_sample_network(
    data: Data,
    *,
    epochs: int = NEURALNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Weights W1, b1 .. W3, b3 of sample_weight.pkl's architecture trained on ``data``
    (a sigmoid MultiLayerNet, Xavier weights, Adam lr 0.01, batches of 100)."""
    x_train, t_train = first_samples(data, train_samples)
    (_, _), (x_test, t_test) = data
    net = MultiLayerNet(
        x_train.shape[1],
        list(NEURALNET_HIDDEN),
        NUM_CLASSES,
        activation="sigmoid",
        weight_init_std="sigmoid",
        rng=rng,
    )
    trainer = Trainer(
        net,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=check_positive_int("epochs", epochs),
        mini_batch_size=NEURALNET_BATCH,
        optimizer="adam",
        optimizer_param={"lr": NEURALNET_LR},
        evaluate_sample_num_per_epoch=NEURALNET_EXAMPLES,
        verbose=False,
        progress=progress,
        rng=resolve_rng(rng),
    )
    trainer.train()
    return {key: net.params[key].copy() for key in SAMPLE_NETWORK_NAMES}


def neuralnet_mnist(
    data: Data,
    *,
    params: Mapping[str, np.ndarray] | None = None,
    epochs: int = NEURALNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """neuralnet_mnist.py: the share of test digits whose most probable class, by
    3.6's forward pass one digit at a time, is their label.

    Args:
        data: MNIST as ``load_mnist`` returns it, labels as integers.
        params: the trained weights (the book's sample_weight.pkl); None: trained here
            for ``epochs`` on the first ``train_samples`` training digits.
        rng: the stream the training draws from (unused with ``params``).

    Returns:
        ``accuracy``; ``weights`` (where they came from); ``test_samples``; and for the
        first test digits ``images`` (k, 28, 28), ``labels`` and ``predicted``.
    """
    if params is not None:
        network = check_network(params, source="params")
        weights = "the book's sample_weight.pkl (given)"
    else:
        network = train_sample_network(
            data, epochs=epochs, train_samples=train_samples, rng=rng, progress=progress
        )
        weights = f"trained here for {epochs} epochs (the book's weights not given)"
    (_, _), (x, t) = data
    accuracy_cnt = 0
    predicted = []
    for i in range(len(x)):
        y = predict(network, x[i])
        p = int(np.argmax(y))
        predicted.append(p)
        if p == t[i]:
            accuracy_cnt += 1
    k = min(NEURALNET_EXAMPLES, len(x))
    return {
        "accuracy": float(accuracy_cnt) / len(x),
        "weights": weights,
        "test_samples": len(x),
        "images": np.asarray(x[:k], dtype=np.float64).reshape(k, 28, 28),
        "labels": [int(v) for v in t[:k]],
        "predicted": predicted[:k],
    }
