"""The book's ch08 scripts as functions that return their data (plotting is in figures).

- ``train_deepnet``: train_deepnet.py (DeepConvNet, Adam lr 0.001, batches of 100,
  accuracy on 1,000 samples per epoch, 20 epochs).
- ``half_float``: half_float_network.py (test accuracy in float64, then with the
  images and the weights rounded to float16).
- ``misclassified``: misclassified_mnist.py (the first 20 misclassified test digits).

Each draws from ``rng`` (numpy's global stream by default) in the order the book's
script does. The book's last two load deep_convnet_params.pkl: here they take
``params`` (as ``load_param_file`` reads the book's file or pyref's .npz), or train
the net as train_deepnet.py does and say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pyref.checks import check_positive_int
from pyref.deep_convnet import DEEP_PARAM_NAMES, DeepConvNet
from pyref.experiments.chapter7 import CONVNET_EPOCHS, Data, train_network, training_record

__all__ = [
    "HALF_FLOAT_SAMPLES",
    "MISCLASSIFIED_BATCH",
    "MISCLASSIFIED_VIEW",
    "train_deepnet",
    "half_float",
    "misclassified",
]

#: half_float_network.py's test samples ("sampled").
HALF_FLOAT_SAMPLES = 10000
#: misclassified_mnist.py's prediction batch and the digits it shows (a 4×5 grid).
MISCLASSIFIED_BATCH = 100
MISCLASSIFIED_VIEW = 20


def train_deepnet(
    data: Data,
    *,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """train_deepnet.py: the book's DeepConvNet trained on MNIST images (the Trainer,
    as train_convnet.py's); the curves, the final test accuracy (all test samples)
    and the trained parameters."""
    network = DeepConvNet(rng=rng)
    trainer = train_network(
        data, network, epochs=epochs, train_samples=train_samples, rng=rng, progress=progress
    )
    return training_record(data, network, trainer, epochs, DEEP_PARAM_NAMES)


def _trained(
    data: Data,
    network: DeepConvNet,
    params: Mapping[str, np.ndarray] | None,
    epochs: int,
    train_samples: int | None,
    rng: np.random.RandomState | None,
    progress: bool,
) -> str:
    """Give ``network`` trained weights: copies of ``params`` if given (half_float
    rounds them in place), else train it; says which."""
    if params is not None:
        network.set_params({key: np.array(value) for key, value in params.items()})
        return "given parameters"
    train_network(
        data, network, epochs=epochs, train_samples=train_samples, rng=rng, progress=progress
    )
    return f"trained here for {epochs} epochs"


def half_float(
    data: Data,
    *,
    params: Mapping[str, np.ndarray] | None = None,
    test_samples: int = HALF_FLOAT_SAMPLES,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """half_float_network.py: the test accuracy of the first ``test_samples`` images
    (all, if fewer), then again with the images cast to float16 and every weight
    rounded to float16 in place.

    Notes:
        As in the book, nothing is computed in float16: the parameters keep their
        float64 arrays (``param[...] = param.astype(np.float16)``) and the first
        Convolution's im2col copies the float16 images into a float64 column matrix,
        so every layer computes in float64 on float16-rounded values.
    """
    network = DeepConvNet(rng=rng)
    source = _trained(data, network, params, epochs, train_samples, rng, progress)
    n = check_positive_int("test_samples", test_samples)
    (_, _), (x_test, t_test) = data
    x_test, t_test = x_test[:n], t_test[:n]
    float64_acc = float(network.accuracy(x_test, t_test))
    x_test = x_test.astype(np.float16)
    rounded = 0
    for param in network.params.values():
        half = param.astype(np.float16)
        rounded += int(np.count_nonzero(half != param))
        param[...] = half
    return {
        "float64_acc": float64_acc,
        "float16_acc": float(network.accuracy(x_test, t_test)),
        "test_samples": int(x_test.shape[0]),
        "weights": int(sum(p.size for p in network.params.values())),
        "weights_rounded": rounded,
        "trained": source,
    }


def misclassified(
    data: Data,
    *,
    params: Mapping[str, np.ndarray] | None = None,
    max_view: int = MISCLASSIFIED_VIEW,
    epochs: int = CONVNET_EPOCHS,
    train_samples: int | None = None,
    rng: np.random.RandomState | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """misclassified_mnist.py: the test accuracy (batches of 100; the samples after the
    last whole batch not predicted, still counted) and the first ``max_view``
    misclassified test digits with their labels and the net's predictions."""
    network = DeepConvNet(rng=rng)
    source = _trained(data, network, params, epochs, train_samples, rng, progress)
    count = check_positive_int("max_view", max_view)
    (_, _), (x_test, t_test) = data
    batches = int(x_test.shape[0] / MISCLASSIFIED_BATCH)
    if batches == 0:
        raise ValueError(
            f"the data has {x_test.shape[0]} test images, fewer than one batch of "
            f"{MISCLASSIFIED_BATCH}"
        )
    classified = []
    acc = 0.0
    for i in range(batches):
        tx = x_test[i * MISCLASSIFIED_BATCH : (i + 1) * MISCLASSIFIED_BATCH]
        tt = t_test[i * MISCLASSIFIED_BATCH : (i + 1) * MISCLASSIFIED_BATCH]
        y = np.argmax(network.predict(tx, train_flg=False), axis=1)
        classified.append(y)
        acc += np.sum(y == tt)
    predicted = np.array(classified).flatten()
    wrong = np.flatnonzero(predicted != t_test[: predicted.size])[:count]
    return {
        "test_acc": float(acc / x_test.shape[0]),
        "indices": [int(i) for i in wrong],
        "labels": [int(t_test[i]) for i in wrong],
        "predicted": [int(predicted[i]) for i in wrong],
        "images": x_test[wrong, 0].astype(np.float64),
        "trained": source,
    }
