"""Chapter 5's computational graph: MulLayer and AddLayer, forward and backward as the
book defines them (5.4), with Python's own number types kept."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.layers import AddLayer, MulLayer


def test_mul_layer_keeps_its_factors_and_swaps_them_backward() -> None:
    layer = MulLayer()
    out = layer.forward(100, 2)
    assert out == 200 and type(out) is int  # ints stay ints, as the book's prints rely on
    assert (layer.x, layer.y) == (100, 2)
    dx, dy = layer.backward(1.1)
    assert (dx, dy) == (1.1 * 2, 1.1 * 100)


def test_the_apple_graph_gives_the_books_derivatives() -> None:
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple, mul_tax = MulLayer(), MulLayer()
    price = mul_tax.forward(mul_apple.forward(apple, apple_num), tax)
    assert price == apple * apple_num * tax
    dapple_price, dtax = mul_tax.backward(1)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    # d(price)/d(input): the product of the other factors along the path
    assert (dapple, dapple_num, dtax) == (tax * apple_num, tax * apple, apple * apple_num)


def test_add_layer_passes_the_gradient_to_both_inputs() -> None:
    add = AddLayer()
    assert add.forward(200, 450) == 650
    dx, dy = add.backward(1.1)
    assert dx == dy == 1.1
    grad = np.array([0.5, -2.0])
    dx, dy = add.backward(grad)
    assert np.array_equal(dx, grad) and np.array_equal(dy, grad) and dx is not grad


def test_the_layers_take_arrays_and_broadcast_as_numpy() -> None:
    x = np.arange(6.0).reshape(2, 3)
    mul = MulLayer()
    assert np.array_equal(mul.forward(x, 3.0), x * 3.0)
    dout = np.ones((2, 3))
    dx, dy = mul.backward(dout)
    assert np.array_equal(dx, dout * 3.0) and np.array_equal(dy, dout * x)
    assert np.array_equal(AddLayer().forward(x, np.array([1.0, 2.0, 3.0])), x + [1.0, 2.0, 3.0])


@pytest.mark.parametrize("bad", ["2", None, True, [1, 2], np.array(["a"])])
def test_bad_operands_name_the_argument(bad: object) -> None:
    with pytest.raises(TypeError, match="^x must"):
        MulLayer().forward(bad, 2)
    with pytest.raises(TypeError, match="^y must"):
        AddLayer().forward(2, bad)
    layer = MulLayer()
    layer.forward(1, 2)
    with pytest.raises(TypeError, match="^dout must"):
        layer.backward(bad)


def test_backward_before_forward_is_refused() -> None:
    with pytest.raises(RuntimeError, match="MulLayer.backward needs a forward pass"):
        MulLayer().backward(1)
