"""Chapter 3's parity scenarios: the activations and 3.6's three-layer forward pass.

Each function has a twin of the same name in ``julia/src/parity/chapter3_scenarios.jl``
(``PyRef.Chapter3Scenarios``), called with the same keywords; ``SCENARIOS`` lists them
for the suite (section "3").
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from pyref.functions import identity_function, relu, sigmoid, softmax, step_function
from pyref.parity.scenario import Scenario
from pyref.parity.tiers import CLOSE
from pyref.simple_nets import predict

RandomState = np.random.RandomState
#: The Julia module that holds the twins of this file's scenario functions.
_JULIA_TWINS = "PyRef.Chapter3Scenarios."


def activations(*, grid: np.ndarray, seed: int, n: int, d: int, scale: float) -> dict[str, Any]:
    """3.2's step function, sigmoid and ReLU, 3.5's identity and softmax (one sample and a
    batch) on x = scale · randn(n, d), and on the scripts' plotting ``grid``."""
    rs = RandomState(seed)
    x = scale * rs.randn(n, d)
    return {
        "step": step_function(x),
        "sigmoid": sigmoid(x),
        "relu": relu(x),
        "identity": identity_function(x),
        "softmax": softmax(x),
        "softmax_one": softmax(x[0]),
        "grid/step": step_function(grid),
        "grid/sigmoid": sigmoid(grid),
        "grid/relu": relu(grid),
    }


def three_layer_predict(
    *, x: np.ndarray, t: np.ndarray, seed: int, sizes: list[int], scale: float
) -> dict[str, Any]:
    """3.6's forward pass on weights drawn as scale · randn (W1, b1, W2, b2, W3, b3 in
    turn, float64: stand-ins for sample_weight.pkl's), sample by sample (neuralnet_mnist.py)
    and in batches of 100 (neuralnet_mnist_batch.py), and the accuracies both count."""
    rs = RandomState(seed)
    network: dict[str, np.ndarray] = {}
    for idx in (1, 2, 3):
        network[f"W{idx}"] = scale * rs.randn(sizes[idx - 1], sizes[idx])
        network[f"b{idx}"] = scale * rs.randn(sizes[idx])
    one = np.array([predict(network, x[i]) for i in range(len(x))])
    hits_one = sum(int(np.argmax(y) == t[i]) for i, y in enumerate(one))
    batches = [predict(network, x[i : i + 100]) for i in range(0, len(x), 100)]
    batch = np.concatenate(batches)
    hits_batch = int(np.sum(np.argmax(batch, axis=1) == t))
    return {
        "y_one": one,
        "y_batch": batch,
        "accuracy_one": float(hits_one) / len(x),
        "accuracy_batch": float(hits_batch) / len(x),
    }


def _mnist_test(n: int) -> dict[str, np.ndarray]:
    """``x`` and ``t``: the first ``n`` test digits (normalised floats), as get_data()."""
    from pyref.datasets import load_mnist

    (_, _), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
    return {"x": x_test[:n], "t": t_test[:n]}


def _plot_grid() -> dict[str, np.ndarray]:
    """``grid``: ch03's scripts' x axis, np.arange(-5.0, 5.0, 0.1)."""
    return {"grid": np.arange(-5.0, 5.0, 0.1)}


SCENARIOS = [
    Scenario("ch3-activations", activations, _JULIA_TWINS + "activations",
             kwargs={"seed": 30, "n": 20, "d": 10, "scale": 3.0}, section="3", inputs=_plot_grid,
             description="step, sigmoid, ReLU, identity, softmax (3.2, 3.5)"),
    Scenario("ch3-three-layer-predict", three_layer_predict, _JULIA_TWINS + "three_layer_predict",
             kwargs={"seed": 31, "sizes": [784, 50, 100, 10], "scale": 0.1},
             tiers={"y_one": CLOSE, "y_batch": CLOSE}, section="3",
             inputs=functools.partial(_mnist_test, 300),
             description="3.6's forward pass, one sample at a time and in batches"),
]  # fmt: skip
