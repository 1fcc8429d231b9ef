"""Both nets: book draw order, gradients against numerical gradients, decay, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.nets import MultiLayerNet, MultiLayerNetExtend


def small_data(n: int = 4, d: int = 6, k: int = 10, seed: int = 0):
    rs = np.random.RandomState(seed)
    return rs.rand(n, d).astype(np.float32), rs.randint(0, k, size=n).astype(np.uint8)


def assert_gradients_match(net, x, t, reseed: int | None = None, rtol: float = 1e-4) -> None:
    """Backprop equals central differences for every parameter.

    With Dropout the masks are redrawn per loss, so the net's rng is reseeded before
    every evaluation to keep one mask.
    """
    if reseed is not None:
        state = np.random.RandomState(reseed).get_state()

        def reset() -> None:
            net.rng.set_state(state)
            for layer in net.layers.values():
                if hasattr(layer, "rng"):
                    layer.rng = net.rng

        reset()
        original_loss = net.loss

        def loss(x, t, train_flg=False):
            reset()
            return original_loss(x, t, train_flg)

        net.loss = loss
    grads = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    assert set(grads) == set(numeric) == set(net.params)
    for key in grads:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=rtol, atol=1e-6, err_msg=key)


def test_initial_weights_follow_the_book_draw_order() -> None:
    np.random.seed(11)
    net = MultiLayerNet(5, [4, 3], 2, weight_init_std="he")
    np.random.seed(11)
    want = [
        np.sqrt(2.0 / 5) * np.random.randn(5, 4),
        np.sqrt(2.0 / 4) * np.random.randn(4, 3),
        np.sqrt(2.0 / 3) * np.random.randn(3, 2),
    ]
    for i, w in enumerate(want, start=1):
        assert net.params[f"W{i}"].tobytes() == w.tobytes()
        assert not net.params[f"b{i}"].any()
    xavier = MultiLayerNet(5, [4], 2, weight_init_std="Xavier", rng=np.random.RandomState(1))
    assert (
        xavier.params["W1"].tobytes()
        == (np.sqrt(1.0 / 5) * np.random.RandomState(1).randn(5, 4)).tobytes()
    )
    fixed = MultiLayerNet(5, [4], 2, weight_init_std=0.01, rng=np.random.RandomState(1))
    assert fixed.params["W1"].tobytes() == (0.01 * np.random.RandomState(1).randn(5, 4)).tobytes()


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize(("decay", "lam"), [("l2", 0.0), ("l2", 0.1), ("l1", 0.05)])
def test_multilayernet_gradient(activation: str, decay: str, lam: float) -> None:
    x, t = small_data()
    net = MultiLayerNet(
        6,
        [5, 4],
        10,
        activation=activation,
        weight_decay_lambda=lam,
        weight_decay=decay,
        rng=np.random.RandomState(2),
    )
    for key in ("W1", "W2", "W3"):  # keep |W| away from L1's kink at 0 (in place: layers share it)
        w = net.params[key]
        w[np.abs(w) < 1e-3] = 1e-2
    assert_gradients_match(net, x, t)


def test_extend_gradient_with_batchnorm_and_l2() -> None:
    x, t = small_data(n=5)
    net = MultiLayerNetExtend(
        6, [5, 4], 10, use_batchnorm=True, weight_decay_lambda=0.1, rng=np.random.RandomState(3)
    )
    assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(net.params)
    assert_gradients_match(net, x, t, rtol=1e-3)


def test_extend_gradient_with_dropout_and_l1() -> None:
    x, t = small_data(n=5)
    net = MultiLayerNetExtend(
        6,
        [8, 8],
        10,
        use_dropout=True,
        dropout_ratio=0.3,
        weight_decay_lambda=0.01,
        weight_decay="l1",
        rng=np.random.RandomState(4),
    )
    for key in ("W1", "W2", "W3"):
        w = net.params[key]
        w[np.abs(w) < 1e-3] = 1e-2
    assert_gradients_match(net, x, t, reseed=99)


def test_one_hot_labels_give_the_same_loss_and_accuracy() -> None:
    x, t = small_data(n=6)
    net = MultiLayerNet(6, [5], 10, rng=np.random.RandomState(5))
    onehot = np.eye(10)[t]
    assert net.loss(x, t) == net.loss(x, onehot)
    assert net.accuracy(x, t) == net.accuracy(x, onehot)
    assert 0.0 <= net.accuracy(x, t) <= 1.0


def test_weight_decay_penalty_values() -> None:
    x, t = small_data()
    l2 = MultiLayerNet(6, [5], 10, weight_decay_lambda=0.2, rng=np.random.RandomState(6))
    plain = MultiLayerNet(6, [5], 10, rng=np.random.RandomState(6))
    w_sq = sum(np.sum(l2.params[k] ** 2) for k in ("W1", "W2"))
    assert l2.loss(x, t) - plain.loss(x, t) == pytest.approx(0.1 * w_sq, rel=1e-12)
    l1 = MultiLayerNet(
        6, [5], 10, weight_decay_lambda=0.2, weight_decay="L1", rng=np.random.RandomState(6)
    )
    w_abs = sum(np.sum(np.abs(l1.params[k])) for k in ("W1", "W2"))
    assert l1.loss(x, t) - plain.loss(x, t) == pytest.approx(0.2 * w_abs, rel=1e-12)


def test_dropout_dropout_ration_spelling_and_test_mode() -> None:
    a = MultiLayerNetExtend(6, [5], 10, use_dropout=True, dropout_ration=0.2)
    b = MultiLayerNetExtend(6, [5], 10, use_dropout=True, dropout_ratio=0.2)
    assert a.layers["Dropout1"].dropout_ratio == b.layers["Dropout1"].dropout_ratio == 0.2
    x, _ = small_data()
    # Test mode draws nothing: predictions repeat and the global stream is untouched.
    np.random.seed(1)
    p1 = a.predict(x)
    after = np.random.rand()
    np.random.seed(1)
    np.testing.assert_array_equal(p1, a.predict(x))
    assert np.random.rand() == after


@pytest.mark.parametrize(
    ("kwargs", "exc", "arg"),
    [
        ({"activation": "softplus"}, ValueError, "activation"),
        ({"weight_init_std": "lecun"}, ValueError, "weight_init_std"),
        ({"weight_init_std": -1.0}, ValueError, "weight_init_std"),
        ({"weight_decay_lambda": -0.1}, ValueError, "weight_decay_lambda"),
        ({"weight_decay": "l3"}, ValueError, "weight_decay"),
        ({"dropout_ration": 1.0}, ValueError, "dropout_ratio"),
        ({"hidden_size_list": [5, 0]}, ValueError, "hidden_size_list"),
        ({"input_size": 2.5}, TypeError, "input_size"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict, exc: type, arg: str) -> None:
    base = {"input_size": 6, "hidden_size_list": [5], "output_size": 10}
    base.update(kwargs)
    with pytest.raises(exc, match=arg):
        MultiLayerNetExtend(**base)


def test_bad_data_is_refused_with_the_argument_named() -> None:
    net = MultiLayerNet(6, [5], 10, rng=np.random.RandomState(0))
    x, t = small_data()
    with pytest.raises(ValueError, match="x has 5 features"):
        net.loss(x[:, :5], t)
    with pytest.raises(ValueError, match="t has 3 labels"):
        net.loss(x, t[:3])
    with pytest.raises(ValueError, match=r"t must be class indices"):
        net.loss(x, np.array([0, 1, 2, 10]))
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        net.gradient(bad, t)
    with pytest.raises(TypeError, match="x must be a numpy array"):
        net.predict([[0.0] * 6])


@pytest.mark.parametrize("kind", ["l2", "l1"])
@pytest.mark.parametrize("w", [None, 1e139, 1e200, np.inf, -np.inf, np.nan])
def test_a_zero_decay_term_is_what_the_book_sums_to(kind: str, w: float | None) -> None:
    """With lambda 0 the term is not summed unless a weight could make it NaN; either
    way it is what the book's sum gives: 0.0, or NaN where 0 * inf."""
    net = MultiLayerNetExtend(20, [5], 10, weight_decay=kind, rng=np.random.RandomState(0))
    if w is not None:
        net.params["W1"][0, 0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        terms = [
            np.sum(W**2) if kind == "l2" else np.sum(np.abs(W))
            for W in (net.params["W1"], net.params["W2"])
        ]
        book = 0 + (0.5 if kind == "l2" else 1.0) * 0.0 * terms[0]
        book += (0.5 if kind == "l2" else 1.0) * 0.0 * terms[1]
        got = net.weight_decay_penalty()
    assert type(got) is np.float64
    assert np.float64(got).tobytes() == np.float64(book).tobytes() or (
        np.isnan(got) and np.isnan(book)
    )
