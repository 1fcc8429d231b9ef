"""SimpleConvNet: the book's draws, gradients against numerical ones, the book's
accuracy, parameter files (.npz, never pickle), and the Trainer on image tensors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pyref.convnet import CONVNET_PARAM_NAMES, SimpleConvNet
from pyref.trainer import Trainer

SMALL = {
    "input_dim": (1, 10, 10),
    "conv_param": {"filter_num": 4, "filter_size": 3, "pad": 0, "stride": 1},
    "hidden_size": 8,
    "output_size": 5,
}


def test_weights_follow_the_books_draws() -> None:
    net = SimpleConvNet(rng=np.random.RandomState(0))
    rs = np.random.RandomState(0)
    np.testing.assert_array_equal(net.params["W1"], 0.01 * rs.randn(30, 1, 5, 5))
    np.testing.assert_array_equal(net.params["W2"], 0.01 * rs.randn(4320, 100))
    np.testing.assert_array_equal(net.params["W3"], 0.01 * rs.randn(100, 10))
    for key in ("b1", "b2", "b3"):
        assert not net.params[key].any()
    assert net.layers["Conv1"].W is net.params["W1"]
    assert list(net.layers) == ["Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2"]


def test_global_stream_by_default() -> None:
    np.random.seed(5)
    a = SimpleConvNet(**SMALL).params["W2"]
    np.random.seed(5)
    b = SimpleConvNet(**SMALL).params["W2"]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("labels", ["indices", "one-hot", "column"])
def test_gradient_matches_numerical(labels: str) -> None:
    rs = np.random.RandomState(1)
    net = SimpleConvNet(**SMALL, weight_init_std=0.3, rng=rs)
    n = 1 if labels == "column" else 3
    x = rs.rand(n, 1, 10, 10)
    t = rs.randint(0, 5, n)
    if labels == "one-hot":
        t = np.eye(5)[t]
    elif labels == "column":  # as the book's gradient_check.py
        t = t.reshape(n, 1)
    grads = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t)
    assert set(grads) == set(CONVNET_PARAM_NAMES)
    for key in CONVNET_PARAM_NAMES:
        np.testing.assert_allclose(grads[key], numerical[key], rtol=1e-4, atol=1e-8, err_msg=key)


def test_accuracy_is_the_books_batched_count() -> None:
    net = SimpleConvNet(**SMALL, rng=np.random.RandomState(2))
    rs = np.random.RandomState(3)
    x = rs.rand(25, 1, 10, 10)
    predicted = np.argmax(net.predict(x), axis=1)
    t = predicted.copy()
    t[-5:] = (t[-5:] + 1) % 5  # the last 5 samples are wrong
    assert net.accuracy(x, t) == 0.0  # no whole batch of 100: nothing predicted
    assert net.accuracy(x, t, batch_size=10) == 20 / 25  # samples 20..24 not predicted
    assert net.accuracy(x, t, batch_size=5) == 20 / 25
    assert net.accuracy(x, np.eye(5)[t], batch_size=5) == 20 / 25


def test_params_round_trip_through_npz(tmp_path) -> None:
    net = SimpleConvNet(**SMALL, rng=np.random.RandomState(4))
    path = net.save_params(tmp_path / "params.pkl")  # the book's name: .npz contents
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(CONVNET_PARAM_NAMES)
    other = SimpleConvNet(**SMALL, rng=np.random.RandomState(5))
    other.load_params(path)
    x = np.random.RandomState(6).rand(3, 1, 10, 10)
    np.testing.assert_array_equal(other.predict(x), net.predict(x))
    assert other.layers["Affine1"].W is other.params["W2"]


def test_the_book_s_pickle_loads_and_wrong_shapes_are_refused(tmp_path) -> None:
    net = SimpleConvNet(**SMALL)
    pkl = tmp_path / "book.pkl"
    pkl.write_bytes(pickle.dumps({"W1": np.zeros(3)}))
    with pytest.raises(ValueError, match=r"W1 has shape \(3,\)"):
        net.load_params(pkl)  # read (by the restricted unpickler), then checked
    source = SimpleConvNet(**SMALL, rng=np.random.RandomState(3))
    pkl.write_bytes(pickle.dumps(source.params))  # what the book's save_params writes
    net.load_params(pkl)
    for key, value in source.params.items():
        np.testing.assert_array_equal(net.params[key], value)
    bad = tmp_path / "bad.npz"
    np.savez(bad, W1=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"W1 has shape \(2, 2\)"):
        net.load_params(bad)
    with pytest.raises(FileNotFoundError):
        net.load_params(tmp_path / "missing.npz")


BAD = [
    (lambda: SimpleConvNet(input_dim=(1, 28)), ValueError, "input_dim must be"),
    (
        lambda: SimpleConvNet(conv_param={"filter_num": 0}),
        ValueError,
        r"conv_param\['filter_num'\] must be >= 1",
    ),
    (
        lambda: SimpleConvNet(conv_param={"stride": 0}),
        ValueError,
        r"conv_param\['stride'\] must be >= 1",
    ),
    (
        lambda: SimpleConvNet(conv_param={"pad": -1}),
        ValueError,
        r"conv_param\['pad'\] must be >= 0",
    ),
    (lambda: SimpleConvNet(conv_param={"size": 3}), ValueError, "unknown keys"),
    (
        lambda: SimpleConvNet(input_dim=(1, 4, 4), conv_param={"filter_size": 5}),
        ValueError,
        r"conv_param\['filter_size'\] 5 is larger than input_dim's padded height 4",
    ),
    (lambda: SimpleConvNet(input_dim=(1, 27, 27)), ValueError, "not a multiple of stride 2"),
    (lambda: SimpleConvNet(weight_init_std=0), ValueError, "weight_init_std must be > 0"),
    (
        lambda: SimpleConvNet(**SMALL).predict(np.zeros((2, 1, 9, 10))),
        ValueError,
        "x has samples of shape",
    ),
    (
        lambda: SimpleConvNet(**SMALL).predict(np.zeros((2, 100))),
        ValueError,
        "x must have 4 dimensions",
    ),
    (
        lambda: SimpleConvNet(**SMALL).loss(np.zeros((2, 1, 10, 10)), np.array([0, 7])),
        ValueError,
        r"t must be class indices in \[0, 5\)",
    ),
    (
        lambda: SimpleConvNet(**SMALL).accuracy(
            np.zeros((2, 1, 10, 10)), np.array([0, 1]), batch_size=0
        ),
        ValueError,
        "batch_size must be >= 1",
    ),
]


@pytest.mark.parametrize("call,error,message", BAD)
def test_bad_input_names_the_argument(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_trainer_learns_from_image_tensors() -> None:
    rs = np.random.RandomState(7)
    # Two classes told apart by where the bright square is.
    x = rs.rand(200, 1, 10, 10) * 0.1
    t = rs.randint(0, 2, 200)
    x[t == 0, :, 1:4, 1:4] += 1.0
    x[t == 1, :, 6:9, 6:9] += 1.0
    net = SimpleConvNet(**{**SMALL, "output_size": 2}, rng=rs)
    tr = Trainer(
        net,
        x[:150],
        t[:150],
        x[150:],
        t[150:],
        epochs=6,
        mini_batch_size=25,
        optimizer="adam",
        optimizer_param={"lr": 0.01},
        evaluate_sample_num_per_epoch=50,
        verbose=False,
        rng=rs,
    )
    tr.train()
    assert len(tr.train_acc_list) == 6 and len(tr.train_loss_list) == 36
    assert tr.train_loss_list[-1] < tr.train_loss_list[0]
    assert net.accuracy(x[150:], t[150:], batch_size=50) == 1.0
