"""TwoLayerNet and FullyConnectedNet against the assignment's published checks
(FullyConnectedNets.ipynb, BatchNormalization.ipynb, Dropout.ipynb, 2019)."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from pyref.cs231n.gradient_check import eval_numerical_gradient

from .published import rel_error


def _grad_errors(model, X, y) -> dict[str, float]:
    """The notebooks' gradient check: each parameter's analytic gradient against
    eval_numerical_gradient (h = 1e-5)."""
    _, grads = model.loss(X, y)
    out = {}
    for name in sorted(grads):
        grad_num = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-5
        )
        out[name] = rel_error(grad_num, grads[name])
    return out


def test_two_layer_net_gives_the_published_scores_and_losses() -> None:
    # FullyConnectedNets.ipynb, TwoLayerNet cell: initialisation std within std / 10,
    # zero biases; scores within 1e-6 (summed); losses 3.4702243556 and (reg 1.0)
    # 26.5948426952 within 1e-10; gradient errors around e-7 or less (published up to 2.53e-07).
    np.random.seed(231)
    N, D, H, C = 3, 5, 50, 7
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=N)
    std = 1e-3
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=std)
    assert abs(model.params["W1"].std() - std) < std / 10
    assert abs(model.params["W2"].std() - std) < std / 10
    assert np.all(model.params["b1"] == 0) and np.all(model.params["b2"] == 0)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    scores = model.loss(X)
    correct_scores = np.asarray(
        [
            [
                11.53165108,
                12.2917344,
                13.05181771,
                13.81190102,
                14.57198434,
                15.33206765,
                16.09215096,
            ],
            [
                12.05769098,
                12.74614105,
                13.43459113,
                14.1230412,
                14.81149128,
                15.49994135,
                16.18839143,
            ],
            [
                12.58373087,
                13.20054771,
                13.81736455,
                14.43418138,
                15.05099822,
                15.66781506,
                16.2846319,
            ],
        ]
    )
    assert np.abs(scores - correct_scores).sum() < 1e-6
    y = np.asarray([0, 5, 1])
    loss, _ = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    model.reg = 1.0
    loss, _ = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10
    for reg in (0.0, 0.7):
        model.reg = reg
        errors = _grad_errors(model, X, y)
        assert set(errors) == {"W1", "b1", "W2", "b2"}
        assert max(errors.values()) < 1e-6, errors


def test_fully_connected_net_gives_the_published_initial_losses_and_gradients() -> None:
    # FullyConnectedNets.ipynb, FullyConnectedNet check cell: initial losses
    # 2.3004790897684924 (reg 0) and 7.052114776533016 (reg 3.14); errors on the order
    # of e-7 or smaller, W2's up to e-5 with reg 0 (published 2.21e-05).
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for reg, published in ((0, 2.3004790897684924), (3.14, 7.052114776533016)):
        model = FullyConnectedNet(
            [H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2, dtype=np.float64
        )
        loss, _ = model.loss(X, y)
        assert loss == pytest.approx(published, abs=1e-12)
        errors = _grad_errors(model, X, y)
        assert errors["W2"] < 1e-4 and max(v for k, v in errors.items() if k != "W2") < 1e-6, errors


def test_fully_connected_net_with_batchnorm_gives_the_published_losses() -> None:
    # BatchNormalization.ipynb, FullyConnectedNet with batchnorm cell: initial losses
    # 2.2611955101340957 and 6.996533220108303; errors 1e-4 ~ 1e-10 for W, 1e-8 ~ 1e-10
    # for b, 1e-8 ~ 1e-9 for beta and gamma (published W1 1.10e-04 with reg 0).
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for reg, published in ((0, 2.2611955101340957), (3.14, 6.996533220108303)):
        model = FullyConnectedNet(
            [H1, H2],
            input_dim=D,
            num_classes=C,
            reg=reg,
            weight_scale=5e-2,
            dtype=np.float64,
            normalization="batchnorm",
        )
        loss, _ = model.loss(X, y)
        assert loss == pytest.approx(published, abs=1e-12)
        errors = _grad_errors(model, X, y)
        assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(errors)
        assert max(v for k, v in errors.items() if k.startswith("W")) < 1e-3, errors
        assert max(v for k, v in errors.items() if not k.startswith("W")) < 1e-6, errors


def test_fully_connected_net_with_dropout_gives_the_published_losses() -> None:
    # Dropout.ipynb, FullyConnectedNet with dropout cell (seed 123): initial losses
    # 2.3004790897684924 (dropout 1), 2.302371489704412 (0.75), 2.3042759220785896 (0.5);
    # errors around e-6 or less, W2's e-5 for dropout 1.
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    published = {1: 2.3004790897684924, 0.75: 2.302371489704412, 0.5: 2.3042759220785896}
    for dropout, loss_published in published.items():
        model = FullyConnectedNet(
            [H1, H2],
            input_dim=D,
            num_classes=C,
            weight_scale=5e-2,
            dtype=np.float64,
            dropout=dropout,
            seed=123,
        )
        loss, _ = model.loss(X, y)
        assert loss == pytest.approx(loss_published, abs=1e-12)
        errors = _grad_errors(model, X, y)
        assert errors["W2"] < 1e-4 and max(v for k, v in errors.items() if k != "W2") < 1e-5, errors


def test_layernorm_net_and_test_mode() -> None:
    np.random.seed(0)
    X, y = np.random.randn(4, 6), np.array([0, 1, 2, 1])
    model = FullyConnectedNet(
        [5, 4], input_dim=6, num_classes=3, normalization="layernorm", dtype=np.float64
    )
    errors = _grad_errors(model, X, y)
    assert max(errors.values()) < 1e-5, errors
    scores = model.loss(X)
    assert scores.shape == (4, 3) and scores.dtype == np.float64


def test_float32_is_the_default_dtype() -> None:
    model = FullyConnectedNet([3], input_dim=4, num_classes=2)
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert model.loss(np.ones((2, 4))).dtype == np.float32


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: FullyConnectedNet([10], dropout=0), "dropout"),
        (lambda: FullyConnectedNet([10], dropout=1.5), "dropout"),
        (lambda: FullyConnectedNet([10], normalization="groupnorm"), "normalization"),
        (lambda: FullyConnectedNet([10, 0]), "hidden_dims[1]"),
        (lambda: FullyConnectedNet([10], dtype=np.int64), "dtype"),
        (lambda: TwoLayerNet(weight_scale=-1), "weight_scale"),
        (lambda: TwoLayerNet(reg=-1), "reg"),
        (lambda: TwoLayerNet(input_dim=4).loss(np.ones((2, 5))), "X must be"),
        (lambda: TwoLayerNet(input_dim=4).loss(np.ones((2, 4)), np.array([1])), "y has 1"),
    ],
)
def test_bad_arguments_are_refused_naming_them(call, named) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert named in str(info.value)
