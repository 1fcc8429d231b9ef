"""pyref.cs231n.layers and layer_utils against the assignment's published checks.

The numbers are those printed or asserted in the assignment's notebooks (2019
version): FullyConnectedNets.ipynb, BatchNormalization.ipynb, Dropout.ipynb; each
test names its cell. Tolerances are the notebooks' own ("around e-9 or less", ...).
"""

from __future__ import annotations

import numpy as np
import pytest

from pyref.cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from pyref.cs231n.layer_utils import (
    affine_bn_relu_backward,
    affine_bn_relu_forward,
    affine_ln_relu_backward,
    affine_ln_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from pyref.cs231n.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    svm_loss,
)

from .published import rel_error


def test_affine_forward_gives_the_published_output() -> None:
    # FullyConnectedNets.ipynb, "Test the affine_forward function": error around e-9 or less.
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=3 * 120).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, cache = affine_forward(x, w, b)
    correct_out = np.array(
        [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]
    )
    assert rel_error(out, correct_out) < 1e-9
    assert cache[0] is x and cache[1] is w and cache[2] is b


def test_affine_backward_matches_the_numerical_gradient() -> None:
    # FullyConnectedNets.ipynb, "Test the affine_backward function": errors around e-10 or less
    # (published 5.4e-11, 9.9e-11, 2.4e-11).
    np.random.seed(231)
    x = np.random.randn(10, 2, 3)
    w = np.random.randn(6, 5)
    b = np.random.randn(5)
    dout = np.random.randn(10, 5)
    dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx_num, dx) < 1e-9
    assert rel_error(dw_num, dw) < 1e-9
    assert rel_error(db_num, db) < 1e-9


def test_relu_forward_gives_the_published_output() -> None:
    # FullyConnectedNets.ipynb, "Test the relu_forward function": error on the order of e-8.
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    correct_out = np.array(
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.04545455, 0.13636364],
            [0.22727273, 0.31818182, 0.40909091, 0.5],
        ]
    )
    assert rel_error(out, correct_out) < 1e-7


def test_relu_backward_matches_the_numerical_gradient() -> None:
    # FullyConnectedNets.ipynb, relu_backward cell: error on the order of e-12 (published 3.3e-12).
    np.random.seed(231)
    x = np.random.randn(10, 10)
    dout = np.random.randn(*x.shape)
    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    dx = relu_backward(dout, relu_forward(x)[1])
    assert rel_error(dx_num, dx) < 1e-11


def test_affine_relu_sandwich_matches_the_numerical_gradient() -> None:
    # FullyConnectedNets.ipynb, affine_relu cell: errors around e-10 or less.
    np.random.seed(231)
    x = np.random.randn(2, 3, 4)
    w = np.random.randn(12, 10)
    b = np.random.randn(10)
    dout = np.random.randn(2, 10)
    _, cache = affine_relu_forward(x, w, b)
    dx, dw, db = affine_relu_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout)
    for num, ana in ((dx_num, dx), (dw_num, dw), (db_num, db)):
        assert rel_error(num, ana) < 1e-9


def test_svm_and_softmax_losses_give_the_published_values() -> None:
    # FullyConnectedNets.ipynb, loss layers cell: svm loss 8.999602749096233, dx error around
    # e-9; softmax loss 2.302545844500738, dx error around e-8.
    np.random.seed(231)
    x = 0.001 * np.random.randn(50, 10)
    y = np.random.randint(10, size=50)
    dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
    loss, dx = svm_loss(x, y)
    assert loss == pytest.approx(8.999602749096233, abs=1e-12)
    assert rel_error(dx_num, dx) < 1e-8
    dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
    loss, dx = softmax_loss(x, y)
    assert loss == pytest.approx(2.302545844500738, abs=1e-12)
    assert rel_error(dx_num, dx) < 1e-7


def _two_layer_activations(n: int) -> np.ndarray:
    np.random.seed(231)
    X = np.random.randn(n, 50)
    W1 = np.random.randn(50, 60)
    W2 = np.random.randn(60, 3)
    return np.maximum(0, X.dot(W1)).dot(W2)


def test_batchnorm_forward_in_training_gives_the_published_statistics() -> None:
    # BatchNormalization.ipynb, training-time forward cell: means before
    # [-2.3814598 -13.18038246 1.91780462], stds [27.18502186 34.21455511 37.68611762];
    # after: means ~0 / beta, stds [0.99999999 1 1] times gamma.
    a = _two_layer_activations(200)
    np.testing.assert_allclose(a.mean(axis=0), [-2.3814598, -13.18038246, 1.91780462], atol=1e-7)
    np.testing.assert_allclose(a.std(axis=0), [27.18502186, 34.21455511, 37.68611762], atol=1e-7)
    a_norm, _ = batchnorm_forward(a, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(a_norm.std(axis=0), [0.99999999, 1.0, 1.0], atol=1e-8)
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=0), [0.99999999, 1.99999999, 2.99999999], atol=1e-8)


def test_batchnorm_at_test_time_uses_the_running_averages() -> None:
    # BatchNormalization.ipynb, test-time forward cell: means
    # [-0.03927354 -0.04349152 -0.10452688], stds [1.01531428 1.01238373 0.97819988].
    np.random.seed(231)
    W1 = np.random.randn(50, 60)
    W2 = np.random.randn(60, 3)
    bn_param = {"mode": "train"}
    for _ in range(50):
        a = np.maximum(0, np.random.randn(200, 50).dot(W1)).dot(W2)
        batchnorm_forward(a, np.ones(3), np.zeros(3), bn_param)
    bn_param["mode"] = "test"
    a = np.maximum(0, np.random.randn(200, 50).dot(W1)).dot(W2)
    a_norm, _ = batchnorm_forward(a, np.ones(3), np.zeros(3), bn_param)
    np.testing.assert_allclose(
        a_norm.mean(axis=0), [-0.03927354, -0.04349152, -0.10452688], atol=1e-8
    )
    np.testing.assert_allclose(a_norm.std(axis=0), [1.01531428, 1.01238373, 0.97819988], atol=1e-8)


def _norm_inputs() -> tuple[np.ndarray, ...]:
    np.random.seed(231)
    x = 5 * np.random.randn(4, 5) + 12
    gamma = np.random.randn(5)
    beta = np.random.randn(5)
    dout = np.random.randn(4, 5)
    return x, gamma, beta, dout


@pytest.mark.parametrize(
    ("forward", "backward", "param"),
    [
        # BatchNormalization.ipynb, batchnorm backward cell: errors between 1e-13 and 1e-8.
        (batchnorm_forward, batchnorm_backward, {"mode": "train"}),
        (batchnorm_forward, batchnorm_backward_alt, {"mode": "train"}),
        # BatchNormalization.ipynb, layernorm backward cell: errors between 1e-12 and 1e-8.
        (layernorm_forward, layernorm_backward, {}),
    ],
)
def test_normalisation_backward_matches_the_numerical_gradient(forward, backward, param) -> None:
    x, gamma, beta, dout = _norm_inputs()
    dx_num = eval_numerical_gradient_array(lambda x: forward(x, gamma, beta, param)[0], x, dout)
    da_num = eval_numerical_gradient_array(
        lambda a: forward(x, a, beta, param)[0], gamma.copy(), dout
    )
    db_num = eval_numerical_gradient_array(
        lambda b: forward(x, gamma, b, param)[0], beta.copy(), dout
    )
    dx, dgamma, dbeta = backward(dout, forward(x, gamma, beta, param)[1])
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(da_num, dgamma) < 1e-8
    assert rel_error(db_num, dbeta) < 1e-8


def test_batchnorm_backward_alt_agrees_with_the_graph() -> None:
    # BatchNormalization.ipynb, batchnorm_backward_alt cell: dx difference 9.2e-13,
    # dgamma and dbeta differences 0.0.
    np.random.seed(231)
    x = 5 * np.random.randn(100, 500) + 12
    gamma = np.random.randn(500)
    beta = np.random.randn(500)
    dout = np.random.randn(100, 500)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
    dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
    assert rel_error(dx1, dx2) < 1e-11
    assert rel_error(dgamma1, dgamma2) == 0.0 and rel_error(dbeta1, dbeta2) == 0.0


def test_batchnorm_backward_of_a_test_mode_pass_is_the_fixed_affine_map() -> None:
    x, gamma, beta, dout = _norm_inputs()
    bn_param = {"mode": "train"}
    batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    dx_num = eval_numerical_gradient_array(
        lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0], x, dout
    )
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        dx, _, _ = backward(dout, batchnorm_forward(x, gamma, beta, bn_param)[1])
        assert rel_error(dx_num, dx) < 1e-8


def test_layernorm_forward_gives_the_published_statistics() -> None:
    # BatchNormalization.ipynb, layernorm forward cell (N = 4): stds after
    # [0.99999995 0.99999999 1. 0.99999969], with gamma 3, beta 5: means 5, stds
    # [2.99999985 2.99999998 2.99999999 2.99999907].
    a = _two_layer_activations(4)
    a_norm, _ = layernorm_forward(a, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=1), 0, atol=1e-15)
    np.testing.assert_allclose(
        a_norm.std(axis=1), [0.99999995, 0.99999999, 1.0, 0.99999969], atol=1e-8
    )
    a_norm, _ = layernorm_forward(a, np.full(3, 3.0), np.full(3, 5.0), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=1), 5, atol=1e-12)
    np.testing.assert_allclose(
        a_norm.std(axis=1), [2.99999985, 2.99999998, 2.99999999, 2.99999907], atol=1e-8
    )


def test_dropout_forward_gives_the_published_statistics() -> None:
    # Dropout.ipynb, dropout_forward cell: for p = 0.25, 0.4, 0.7 the train-time means
    # 10.014059116977283, 9.977917658761159, 9.987811912159426 and zero fractions
    # 0.749784, 0.600796, 0.30074; test time: the input's mean 10.000207878477502, no zeros.
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    published = {
        0.25: (10.014059116977283, 0.749784),
        0.4: (9.977917658761159, 0.600796),
        0.7: (9.987811912159426, 0.30074),
    }
    for p, (mean, zeros) in published.items():
        out, _ = dropout_forward(x, {"mode": "train", "p": p})
        out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
        assert out.mean() == pytest.approx(mean, abs=1e-12)
        assert (out == 0).mean() == zeros
        assert out_test.mean() == pytest.approx(10.000207878477502, abs=1e-12)
        assert (out_test == 0).mean() == 0.0


def test_dropout_backward_matches_the_numerical_gradient() -> None:
    # Dropout.ipynb, dropout_backward cell: error around e-10 or less (published 5.4e-11).
    np.random.seed(231)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(*x.shape)
    dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
    out, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(
        lambda xx: dropout_forward(xx, dropout_param)[0], x, dout
    )
    assert rel_error(dx, dx_num) < 1e-10
    assert set(np.unique(cache[1])) <= {0.0, 1 / 0.2}


def test_normalised_sandwiches_match_the_numerical_gradient() -> None:
    x, _, _, _ = _norm_inputs()
    np.random.seed(0)
    w, b = np.random.randn(5, 6), np.random.randn(6)
    gamma, beta, dout = np.random.randn(6), np.random.randn(6), np.random.randn(4, 6)
    for forward, backward, param in (
        (affine_bn_relu_forward, affine_bn_relu_backward, {"mode": "train"}),
        (affine_ln_relu_forward, affine_ln_relu_backward, {}),
    ):
        grads = backward(dout, forward(x, w, b, gamma, beta, param)[1])
        inputs = (x, w, b, gamma, beta)
        for k, (value, grad) in enumerate(zip(inputs, grads)):

            def f(v, k=k, forward=forward, inputs=inputs, param=param):
                args = list(inputs)
                args[k] = v
                return forward(*args, param)[0]

            num = eval_numerical_gradient_array(f, value, dout)
            if np.max(np.abs(grad)) < 1e-12:  # b before batchnorm: its gradient is 0
                assert np.max(np.abs(num)) < 1e-9
            else:
                assert rel_error(num, grad) < 1e-7


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [
        (
            lambda: affine_forward(np.ones((2, 3)), np.ones((4, 2)), np.ones(2)),
            ValueError,
            "x has 3",
        ),
        (lambda: affine_forward(np.ones((2, 4)), np.ones((4, 2)), np.ones(3)), ValueError, "b has"),
        (
            lambda: affine_forward(np.ones((2, 4)), np.ones(4), np.ones(3)),
            ValueError,
            "w must have",
        ),
        (lambda: affine_forward([[1.0]], np.ones((1, 1)), np.ones(1)), TypeError, "x must be"),
        (
            lambda: batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {}),
            ValueError,
            "'mode'",
        ),
        (
            lambda: batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "eval"}),
            ValueError,
            "bn_param['mode']",
        ),
        (
            lambda: batchnorm_forward(np.ones((2, 3)), np.ones(2), np.zeros(3), {"mode": "train"}),
            ValueError,
            "gamma",
        ),
        (
            lambda: batchnorm_forward(
                np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "train", "mom": 1}
            ),
            ValueError,
            "'mom'",
        ),
        (
            lambda: layernorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"eps": -1}),
            ValueError,
            "eps",
        ),
        (
            lambda: dropout_forward(np.ones(3), {"mode": "train", "p": 0}),
            ValueError,
            "dropout_param['p']",
        ),
        (lambda: dropout_forward(np.ones(3), {"mode": "train", "p": 1.5}), ValueError, "(0, 1]"),
        (lambda: dropout_forward(np.ones(3), {"mode": "train"}), ValueError, "'p'"),
        (lambda: dropout_forward(np.ones(3), {"mode": "fit", "p": 0.5}), ValueError, "mode"),
        (lambda: softmax_loss(np.ones((2, 3)), np.array([0, 3])), ValueError, "y must be class"),
        (lambda: svm_loss(np.ones((2, 3)), np.array([0])), ValueError, "y has 1 labels"),
        (lambda: relu_backward(np.ones(3), np.ones(4)), ValueError, "dout"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(call, error, named) -> None:
    with pytest.raises(error, match=None) as info:
        call()
    assert named in str(info.value)
