"""The parity scenarios' inputs from the data: the first digits of the data set as
vectors or images (``x_train``, ``t_train``, ...; ``x``, ``t``), and stand-in trained
SimpleConvNet parameters, for a scenario's ``inputs=``. Python draws or loads them and
hands the same arrays to both languages.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from pyref.convnet import SimpleConvNet


@functools.lru_cache(maxsize=4)
def _mnist(one_hot: bool) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    from pyref.datasets import load_mnist

    return load_mnist(normalize=True, one_hot_label=one_hot)


def mnist_inputs(n_train: int, n_test: int = 0, *, one_hot: bool = False) -> dict[str, np.ndarray]:
    """The first ``n_train`` training and ``n_test`` test digits (normalised floats)."""
    (x_train, t_train), (x_test, t_test) = _mnist(one_hot)
    out = {"x_train": x_train[:n_train], "t_train": t_train[:n_train]}
    if n_test:
        out.update(x_test=x_test[:n_test], t_test=t_test[:n_test])
    return out


def mnist_images(n_train: int, n_test: int = 0) -> dict[str, np.ndarray]:
    """As ``mnist_inputs``, as images (N, 1, 28, 28): load_mnist(flatten=False)."""
    return {
        key: value.reshape(-1, 1, 28, 28) if key.startswith("x") else value
        for key, value in mnist_inputs(n_train, n_test).items()
    }


def mnist_image_batch(n: int) -> dict[str, np.ndarray]:
    """``x`` and ``t``: the first ``n`` training images."""
    data = mnist_images(n)
    return {"x": data["x_train"], "t": data["t_train"]}


def convnet_params(seed: int, scale: float) -> dict[str, Any]:
    """``params``: the book's SimpleConvNet's parameters drawn with std ``scale``
    (stand-ins for trained ones, for the experiments that take them)."""
    net = SimpleConvNet(weight_init_std=scale, rng=np.random.RandomState(seed))
    return {"params": dict(net.params)}


def mnist_batch(n: int) -> dict[str, np.ndarray]:
    """``x`` and ``t``: the first ``n`` training digits."""
    data = mnist_inputs(n)
    return {"x": data["x_train"], "t": data["t_train"]}
