"""Initial weight scales (6.2) and the activation-histogram experiment of 6.2.2-6.2.3.

``weight_init_std`` is what the book's nets take: a float standard deviation, or
a name: 'xavier'/'sigmoid' for sqrt(1/n) and 'he'/'relu' for sqrt(2/n), where n
is the number of inputs to the layer.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from pyref.checks import check_choice, check_positive, check_positive_int
from pyref.layers import ACTIVATIONS
from pyref.rng import resolve_rng

WeightInit = Union[float, str]

#: Names of initialisation schemes and the numerator k of their scale sqrt(k / n).
INIT_SCHEMES: dict[str, float] = {"xavier": 1.0, "sigmoid": 1.0, "he": 2.0, "relu": 2.0}

#: The histogram experiment's shape: 1000 samples through 5 layers of 100 nodes.
HISTOGRAM_SAMPLES = 1000
HISTOGRAM_NODES = 100
HISTOGRAM_LAYERS = 5
HISTOGRAM_BINS = 30

#: The four initial scales the histogram experiment compares, by label.
HISTOGRAM_INITS: dict[str, WeightInit] = {
    "std=1": 1.0,
    "std=0.01": 0.01,
    "Xavier": "xavier",
    "He": "he",
}


def weight_scale(weight_init_std: WeightInit, fan_in: int) -> float:
    """The standard deviation of a layer's initial weights.

    Args:
        weight_init_std: a number > 0 (returned unchanged), or a name of
            ``INIT_SCHEMES``: "xavier"/"sigmoid" for sqrt(1/n), "he"/"relu" for sqrt(2/n).
        fan_in: n, the layer's inputs, >= 1.

    Returns:
        The scale, a float, computed as the book computes it (``np.sqrt(k / n)``).
    """
    fan_in = check_positive_int("fan_in", fan_in)
    if isinstance(weight_init_std, str):
        name = check_choice("weight_init_std", weight_init_std, tuple(INIT_SCHEMES))
        return float(np.sqrt(INIT_SCHEMES[name] / fan_in))
    return check_positive("weight_init_std", weight_init_std)


def activation_histogram(
    activation: str = "sigmoid",
    weight_init_std: WeightInit = 1.0,
    *,
    samples: int = HISTOGRAM_SAMPLES,
    nodes: int = HISTOGRAM_NODES,
    layers: int = HISTOGRAM_LAYERS,
    bins: int = HISTOGRAM_BINS,
    rng: np.random.RandomState | None = None,
) -> dict[str, np.ndarray]:
    """The book's weight_init_activation_histogram.py for one activation and one scale.

    Draws ``randn(samples, nodes)`` as input, then for each layer ``randn(nodes,
    nodes) * scale``, and applies the activation.

    Args:
        activation: "sigmoid", "relu" or "tanh".
        weight_init_std: the weights' scale (see ``weight_scale``).
        samples, nodes, layers, bins: the experiment's sizes (the book's: HISTOGRAM_*).
        rng: the random stream, or None for numpy's global one (the book's).

    Returns:
        A dict: "activations", shape (layers, samples, nodes); "counts", shape
        (layers, bins), each layer's histogram over (0, 1); "edges", shape (bins + 1,).
    """
    act = check_choice("activation", activation, tuple(ACTIVATIONS))
    samples = check_positive_int("samples", samples)
    nodes = check_positive_int("nodes", nodes)
    layers = check_positive_int("layers", layers)
    bins = check_positive_int("bins", bins)
    scale = weight_scale(weight_init_std, nodes)
    r = resolve_rng(rng)
    layer = ACTIVATIONS[act]()
    x = r.randn(samples, nodes)
    activations = np.empty((layers, samples, nodes))
    counts = np.empty((layers, bins), dtype=np.int64)
    edges = np.empty(0)
    for i in range(layers):
        w = r.randn(nodes, nodes) * scale
        x = layer.forward(np.dot(x, w))
        activations[i] = x
        counts[i], edges = np.histogram(x.ravel(), bins, range=(0, 1))
    return {"activations": activations, "counts": counts, "edges": edges}
