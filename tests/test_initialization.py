"""pyref.initialization: the book's weight scales and its activation-histogram experiment.

Scales are compared with the book's own expressions (``np.sqrt(1.0 / n)`` for
Xavier, ``np.sqrt(2.0 / n)`` for He), and the weights a net draws with them with
``scale * RandomState(seed).randn(n_in, n_out)`` replayed layer by layer, W1 first,
as the book's MultiLayerNet draws them. Julia's twin is julia/test/test_initialization.jl.
"""

from __future__ import annotations

import numpy as np
import pytest

from pyref.initialization import (
    HISTOGRAM_INITS,
    INIT_SCHEMES,
    activation_histogram,
    weight_scale,
)
from pyref.nets import MultiLayerNet, MultiLayerNetExtend

#: The book's scale of each name, as its MultiLayerNet computes it for n inputs.
BOOK_SCALES = {
    "xavier": lambda n: np.sqrt(1.0 / n),
    "sigmoid": lambda n: np.sqrt(1.0 / n),
    "he": lambda n: np.sqrt(2.0 / n),
    "relu": lambda n: np.sqrt(2.0 / n),
}

#: The book's activations, written as its ch06 scripts write them.
BOOK_ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: np.maximum(0, z),
    "tanh": np.tanh,
}


def book_weights(seed: int, sizes: list[int], weight_init_std) -> dict[str, np.ndarray]:
    """The book's MultiLayerNet.__init_weight on a RandomState(seed) stream."""
    r = np.random.RandomState(seed)
    params = {}
    for idx in range(1, len(sizes)):
        scale = weight_init_std
        if isinstance(weight_init_std, str):
            scale = BOOK_SCALES[weight_init_std.lower()](sizes[idx - 1])
        params[f"W{idx}"] = scale * r.randn(sizes[idx - 1], sizes[idx])
        params[f"b{idx}"] = np.zeros(sizes[idx])
    return params


@pytest.fixture
def global_stream():
    """numpy's global stream, put back as it was after the test."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


@pytest.mark.parametrize("n", [1, 2, 3, 20, 50, 100, 784])
def test_named_scales_are_the_books(n: int) -> None:
    for name, book in BOOK_SCALES.items():
        got = weight_scale(name, n)
        assert type(got) is float
        assert got == book(n), (name, n)  # bit for bit: the same division, the same sqrt
        assert weight_scale(name.upper(), n) == got


def test_he_is_sqrt2_times_xavier_and_both_shrink_with_fan_in() -> None:
    for n in (2, 8, 100):
        assert weight_scale("he", n) == pytest.approx(np.sqrt(2.0) * weight_scale("xavier", n))
    assert weight_scale("xavier", 1) == 1.0
    assert weight_scale("xavier", 100) == 0.1
    assert weight_scale("he", 50) == 0.2
    assert weight_scale("xavier", 784) < weight_scale("xavier", 100)


@pytest.mark.parametrize("std", [0.01, 1, 1.0, 0.5, np.float32(0.25), np.int64(2)])
def test_numbers_pass_through_as_floats(std) -> None:
    got = weight_scale(std, 100)
    assert type(got) is float and got == float(std)


def test_the_schemes_are_the_four_names_and_their_numerators() -> None:
    assert INIT_SCHEMES == {"xavier": 1.0, "sigmoid": 1.0, "he": 2.0, "relu": 2.0}


def test_the_histogram_compares_the_books_four_scales() -> None:
    # weight_init_activation_histogram.py: * 1, * 0.01, * np.sqrt(1.0 / n), * np.sqrt(2.0 / n)
    n = 100
    assert list(HISTOGRAM_INITS) == ["std=1", "std=0.01", "Xavier", "He"]
    got = [weight_scale(v, n) for v in HISTOGRAM_INITS.values()]
    assert got == [1.0, 0.01, np.sqrt(1.0 / n), np.sqrt(2.0 / n)]


@pytest.mark.parametrize(
    "std, exc, match",
    [
        (
            "glorot",
            ValueError,
            r"^unknown weight_init_std 'glorot'; choose from xavier, sigmoid, he, relu$",
        ),
        ("", ValueError, r"^unknown weight_init_std ''"),
        (0, ValueError, r"^weight_init_std must be > 0, got 0$"),
        (-0.01, ValueError, r"^weight_init_std must be > 0, got -0.01$"),
        (float("nan"), ValueError, r"^weight_init_std must be finite, got nan$"),
        (float("inf"), ValueError, r"^weight_init_std must be finite, got inf$"),
        (None, TypeError, r"^weight_init_std must be a real number, not NoneType$"),
        (True, TypeError, r"^weight_init_std must be a real number, not bool$"),
        ([0.01], TypeError, r"^weight_init_std must be a real number, not list$"),
    ],
)
def test_a_bad_weight_init_std_is_refused_by_name(std, exc, match) -> None:
    with pytest.raises(exc, match=match):
        weight_scale(std, 10)


@pytest.mark.parametrize(
    "fan_in, exc, match",
    [
        (0, ValueError, r"^fan_in must be >= 1, got 0$"),
        (-3, ValueError, r"^fan_in must be >= 1, got -3$"),
        (2.0, TypeError, r"^fan_in must be an int, not float$"),
        (True, TypeError, r"^fan_in must be an int, not bool$"),
        ("10", TypeError, r"^fan_in must be an int, not str$"),
    ],
)
def test_a_bad_fan_in_is_refused_by_name(fan_in, exc, match) -> None:
    for std in ("he", 0.01):
        with pytest.raises(exc, match=match):
            weight_scale(std, fan_in)


@pytest.mark.parametrize("std", [0.01, "xavier", "sigmoid", "he", "relu", "He"])
@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1])
def test_a_nets_weights_are_the_books_draws(std, seed: int) -> None:
    sizes = [30, 20, 10, 5]
    book = book_weights(seed, sizes, std)
    net = MultiLayerNet(30, [20, 10], 5, weight_init_std=std, rng=np.random.RandomState(seed))
    assert set(net.params) == set(book)
    for key, value in book.items():
        assert net.params[key].shape == value.shape
        assert np.array_equal(net.params[key], value), key  # bit for bit


def test_the_books_global_stream_gives_the_same_weights(global_stream) -> None:
    # the book seeds numpy's global stream and passes no rng
    np.random.seed(42)
    net = MultiLayerNetExtend(12, [8], 3, weight_init_std="xavier", use_batchnorm=True)
    book = book_weights(42, [12, 8, 3], "xavier")
    for key in ("W1", "b1", "W2", "b2"):
        assert np.array_equal(net.params[key], book[key]), key
    assert np.array_equal(net.params["gamma1"], np.ones(8))
    assert np.array_equal(net.params["beta1"], np.zeros(8))
    # and the stream moved on by exactly the weights' draws
    replay = np.random.RandomState(42)
    replay.randn(12, 8)
    replay.randn(8, 3)
    assert np.random.randn() == replay.randn()


def test_the_std_changes_the_scale_not_the_draws() -> None:
    small = MultiLayerNet(16, [8], 4, weight_init_std=0.01, rng=np.random.RandomState(3))
    one = MultiLayerNet(16, [8], 4, weight_init_std=1.0, rng=np.random.RandomState(3))
    he = MultiLayerNet(16, [8], 4, weight_init_std="he", rng=np.random.RandomState(3))
    assert np.array_equal(small.params["W1"], 0.01 * one.params["W1"])
    assert np.array_equal(he.params["W1"], np.sqrt(2.0 / 16) * one.params["W1"])
    assert np.array_equal(he.params["W2"], np.sqrt(2.0 / 8) * one.params["W2"])


def book_histogram(seed, activation, std, samples, nodes, layers, bins):
    """weight_init_activation_histogram.py with the given sizes on RandomState(seed)."""
    r = np.random.RandomState(seed)
    scale = std if not isinstance(std, str) else BOOK_SCALES[std](nodes)
    x = r.randn(samples, nodes)
    activations, counts = [], []
    for _ in range(layers):
        w = r.randn(nodes, nodes) * scale
        x = BOOK_ACTIVATIONS[activation](np.dot(x, w))
        activations.append(x)
        counts.append(np.histogram(x.flatten(), bins, range=(0, 1))[0])
    return np.array(activations), np.array(counts)


@pytest.mark.parametrize(
    "activation, std",
    [
        ("sigmoid", 1.0),
        ("sigmoid", 0.01),
        ("sigmoid", "xavier"),
        ("relu", "he"),
        ("tanh", "xavier"),
    ],
)
def test_the_histogram_is_the_books_script(activation: str, std) -> None:
    sizes = {"samples": 60, "nodes": 25, "layers": 3, "bins": 12}
    out = activation_histogram(activation, std, rng=np.random.RandomState(11), **sizes)
    activations, counts = book_histogram(11, activation, std, **sizes)
    assert out["activations"].shape == (3, 60, 25)
    assert np.array_equal(out["activations"], activations)
    assert out["counts"].dtype == np.int64 and np.array_equal(out["counts"], counts)
    assert np.array_equal(out["edges"], np.linspace(0, 1, 13))
    assert out["counts"].sum() <= 3 * 60 * 25


def test_the_histogram_defaults_are_the_books_sizes() -> None:
    out = activation_histogram(rng=np.random.RandomState(0))
    assert out["activations"].shape == (5, 1000, 100)
    assert out["counts"].shape == (5, 30)
    # std 1 with sigmoid: the book's figure, activations piled up at 0 and 1
    assert out["counts"][-1, 0] + out["counts"][-1, -1] > 0.5 * 1000 * 100


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"activation": "softplus"}, ValueError, r"^unknown activation 'softplus'"),
        ({"activation": 1}, TypeError, r"^activation must be a string, not int$"),
        ({"weight_init_std": "glorot"}, ValueError, r"^unknown weight_init_std 'glorot'"),
        ({"weight_init_std": -1.0}, ValueError, r"^weight_init_std must be > 0"),
        ({"samples": 0}, ValueError, r"^samples must be >= 1, got 0$"),
        ({"nodes": 1.5}, TypeError, r"^nodes must be an int, not float$"),
        ({"layers": 0}, ValueError, r"^layers must be >= 1, got 0$"),
        ({"bins": True}, TypeError, r"^bins must be an int, not bool$"),
        ({"rng": np.random.default_rng(0)}, TypeError, r"^rng must be a numpy.random.RandomState"),
    ],
)
def test_the_histogram_refuses_bad_arguments_by_name(kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        activation_histogram(**{"samples": 4, "nodes": 3, "layers": 1, **kwargs})
