"""The book's DeepConvNet (8.1): its shapes, He-scaled draws in the book's order, its
20 layers, dropout draws, backpropagation against central differences, the batched
accuracy, parameter files and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.convolution import Convolution, Pooling
from pyref.deep_convnet import (
    DEEP_PARAM_LAYERS,
    DEEP_PARAM_NAMES,
    DEEP_PRE_NODE_NUMS,
    DeepConvNet,
    deep_convnet_param_shapes,
)
from pyref.functions import numerical_gradient
from pyref.layers import Affine, Dropout, Relu, SoftmaxWithLoss

#: A small net of the book's structure: 12×12 images, 2 filters per convolution.
SMALL = {
    "input_dim": (1, 12, 12),
    **{f"conv_param_{i}": {"filter_num": 2} for i in range(1, 7)},
    "hidden_size": 5,
    "output_size": 3,
}


def images(n: int, seed: int = 0, shape=(1, 12, 12), classes: int = 3):
    rs = np.random.RandomState(seed)
    return rs.rand(n, *shape), rs.randint(0, classes, n)


def test_the_books_shapes() -> None:
    shapes = deep_convnet_param_shapes()
    assert shapes == {
        "W1": (16, 1, 3, 3), "b1": (16,), "W2": (16, 16, 3, 3), "b2": (16,),
        "W3": (32, 16, 3, 3), "b3": (32,), "W4": (32, 32, 3, 3), "b4": (32,),
        "W5": (64, 32, 3, 3), "b5": (64,), "W6": (64, 64, 3, 3), "b6": (64,),
        "W7": (64 * 4 * 4, 50), "b7": (50,), "W8": (50, 10), "b8": (10,),
    }  # fmt: skip
    assert tuple(shapes) == DEEP_PARAM_NAMES


def test_weights_are_he_scaled_draws_in_the_books_order() -> None:
    net = DeepConvNet(rng=np.random.RandomState(11))
    rs = np.random.RandomState(11)
    pre_node_nums = np.array([1 * 9, 16 * 9, 16 * 9, 32 * 9, 32 * 9, 64 * 9, 64 * 16, 50])
    assert tuple(pre_node_nums[:7]) == DEEP_PRE_NODE_NUMS
    scales = np.sqrt(2.0 / pre_node_nums)
    for idx, (key, shape) in enumerate(
        (k, s) for k, s in deep_convnet_param_shapes().items() if k.startswith("W")
    ):
        assert np.array_equal(net.params[key], scales[idx] * rs.randn(*shape)), key
        assert np.array_equal(net.params[f"b{idx + 1}"], np.zeros(shape[0 if idx < 6 else 1]))


def test_the_20_layers_and_where_the_parameters_live() -> None:
    net = DeepConvNet(rng=np.random.RandomState(0))
    kinds = [type(layer) for layer in net.layers]
    C, R, P, A, D = Convolution, Relu, Pooling, Affine, Dropout
    assert kinds == [C, R, C, R, P, C, R, C, R, P, C, R, C, R, P, A, R, D, A, D]
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    for i, idx in enumerate(DEEP_PARAM_LAYERS, start=1):
        assert net.layers[idx].W is net.params[f"W{i}"] and net.layers[idx].b is net.params[f"b{i}"]
    assert [layer.pad for layer in net.layers if isinstance(layer, Convolution)] == [1, 1, 1, 2, 1, 1]
    assert all(layer.dropout_ratio == 0.5 for layer in net.layers if isinstance(layer, Dropout))


def test_test_mode_draws_nothing_training_mode_draws_two_masks() -> None:
    rng = np.random.RandomState(4)
    net = DeepConvNet(**SMALL, rng=rng)
    x, t = images(7)
    state = rng.get_state()
    first = net.predict(x)
    assert np.array_equal(first, net.predict(x)) and first.shape == (7, 3)
    assert all(np.array_equal(a, b) for a, b in zip(rng.get_state()[1:], state[1:]))
    net.loss(x, t)  # training mode, as the book's loss
    replay = np.random.RandomState(0)
    replay.set_state(state)
    mask1, mask2 = replay.rand(7, 5) > 0.5, replay.rand(7, 3) > 0.5
    assert np.array_equal(net.layers[17].mask, mask1) and np.array_equal(net.layers[19].mask, mask2)
    assert rng.get_state()[2] == replay.get_state()[2]


def test_backprop_agrees_with_central_differences_under_fixed_masks() -> None:
    rng = np.random.RandomState(8)
    net = DeepConvNet(**SMALL, rng=rng)
    x, t = images(4, seed=3)
    state = rng.get_state()

    def loss(_: np.ndarray) -> float:
        rng.set_state(state)  # the same dropout masks for every evaluation
        return net.loss(x, t)

    rng.set_state(state)
    grads = net.gradient(x, t)
    assert set(grads) == set(DEEP_PARAM_NAMES)
    for key in ("W1", "b1", "W4", "W7", "W8", "b8"):
        assert grads[key].shape == net.params[key].shape
        numeric = numerical_gradient(loss, net.params[key])
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-4, atol=1e-7, err_msg=key)


def test_accuracy_predicts_whole_batches_and_counts_every_sample() -> None:
    net = DeepConvNet(**SMALL, rng=np.random.RandomState(2))
    x, t = images(25, seed=5)
    predicted = np.argmax(net.predict(x), axis=1)
    assert net.accuracy(x, t, batch_size=10) == np.sum(predicted[:20] == t[:20]) / 25
    assert net.accuracy(x, np.eye(3)[t], batch_size=25) == np.mean(predicted == t)


def test_parameters_round_trip_through_npz(tmp_path) -> None:
    net = DeepConvNet(**SMALL, rng=np.random.RandomState(6))
    path = net.save_params(tmp_path / "deep_convnet_params.pkl")
    other = DeepConvNet(**SMALL, rng=np.random.RandomState(7))
    other.load_params(path)
    for key in DEEP_PARAM_NAMES:
        assert np.array_equal(other.params[key], net.params[key])
    for i, idx in enumerate(DEEP_PARAM_LAYERS, start=1):
        assert other.layers[idx].W is other.params[f"W{i}"]
    x, _ = images(3)
    assert np.array_equal(other.predict(x), net.predict(x))
    wrong = DeepConvNet(**{**SMALL, "hidden_size": 6}, rng=np.random.RandomState(7))
    with pytest.raises(ValueError, match="W7 has shape"):
        wrong.load_params(path)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"conv_param_3": {"pad": -1}}, ValueError, r"conv_param_3\['pad'\]"),
        ({"conv_param_2": "wide"}, TypeError, "^conv_param_2 must be a dict"),
        ({"conv_param_5": {"size": 3}}, ValueError, "^conv_param_5 has unknown keys"),
        ({"input_dim": (1, 28)}, ValueError, "input_dim"),
        ({"input_dim": (1, 10, 10)}, ValueError, "2×2 pooling"),
        ({"hidden_size": 0}, ValueError, "hidden_size"),
        ({"rng": 3}, TypeError, "rng"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        DeepConvNet(**kwargs)


def test_bad_inputs_are_named() -> None:
    net = DeepConvNet(**SMALL, rng=np.random.RandomState(0))
    x, t = images(4)
    with pytest.raises(ValueError, match=r"x has samples of shape \(1, 11, 12\)"):
        net.predict(x[:, :, :11])
    with pytest.raises(TypeError, match="^train_flg must be True or False"):
        net.predict(x, train_flg="yes")
    with pytest.raises(ValueError, match="^t has 3 labels for 4 samples"):
        net.loss(x, t[:3])
    with pytest.raises(ValueError, match="^batch_size must be >= 1"):
        net.accuracy(x, t, batch_size=0)
