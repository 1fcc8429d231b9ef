"""im2col, col2im, Convolution and Pooling: values against direct loops written here,
the book's memory layouts (they decide numpy's BLAS calls), gradients against
numerical ones, the book's accumulation order, and the argument checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pyref import convolution
from pyref.convolution import (
    Convolution,
    Pooling,
    col2im,
    conv_output_size,
    im2col,
    window_output_size,
)
from pyref.functions import numerical_gradient
from pyref.layers import Relu

#: (N, C, H, W, filter_h, filter_w, stride, pad) with whole output sizes.
SHAPES = [
    (2, 1, 5, 5, 3, 3, 1, 0),
    (3, 2, 6, 4, 2, 2, 2, 0),
    (1, 3, 5, 7, 3, 3, 2, 1),
    (2, 2, 4, 4, 1, 1, 1, 0),
    (1, 1, 6, 6, 4, 2, 2, 1),
    (4, 1, 7, 7, 3, 5, 2, 2),
]


def direct_windows(x: np.ndarray, fh: int, fw: int, s: int, p: int) -> np.ndarray:
    """Each window as a row, by explicit indexing (the reference for im2col)."""
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    xp[:, :, p : p + H, p : p + W] = x
    oh, ow = (H + 2 * p - fh) // s + 1, (W + 2 * p - fw) // s + 1
    rows = []
    for n in range(N):
        for i in range(oh):
            for j in range(ow):
                rows.append(xp[n, :, i * s : i * s + fh, j * s : j * s + fw].reshape(-1))
    return np.array(rows)


@pytest.mark.parametrize("shape", SHAPES)
def test_im2col_copies_every_window_in_the_book_layout(shape) -> None:
    N, C, H, W, fh, fw, s, p = shape
    x = np.random.RandomState(0).randn(N, C, H, W).astype(np.float32)
    col = im2col(x, fh, fw, s, p)
    assert col.dtype == np.float64
    np.testing.assert_array_equal(col, direct_windows(x, fh, fw, s, p))
    # The book's col is C-ordered, except for one sample: then its reshape is a view of
    # a (C, FH, FW, OH, OW) array, a Fortran-ordered matrix (np.dot's call depends on it).
    if N == 1 and min(col.shape) > 1:
        assert col.flags.f_contiguous and not col.flags.c_contiguous
    else:
        assert col.flags.c_contiguous


@pytest.mark.parametrize("block_bytes", [1, 1 << 40])
@pytest.mark.parametrize("shape", SHAPES)
def test_col2im_sums_windows_back_in_filter_order(shape, block_bytes, monkeypatch) -> None:
    # A block of one sample at a time, and all samples in one block.
    monkeypatch.setattr(convolution, "_COL2IM_BLOCK_BYTES", block_bytes)
    N, C, H, W, fh, fw, s, p = shape
    rs = np.random.RandomState(1)
    x = rs.randn(N, C, H, W)
    col = rs.randn(*im2col(x, fh, fw, s, p).shape)
    col[::3] = -0.0
    img = col2im(col, x.shape, fh, fw, s, p)
    # The reference: a zero image, then each filter position's values added in turn.
    oh, ow = (H + 2 * p - fh) // s + 1, (W + 2 * p - fw) // s + 1
    c6 = col.reshape(N, oh, ow, C, fh, fw)
    ref = np.zeros((N, C, H + 2 * p, W + 2 * p))
    for y, xx in itertools.product(range(fh), range(fw)):
        for i, j in itertools.product(range(oh), range(ow)):
            ref[:, :, y + s * i, xx + s * j] += c6[:, i, j, :, y, xx]
    ref = ref[:, :, p : p + H, p : p + W]
    np.testing.assert_array_equal(img.view(np.uint64), ref.view(np.uint64))  # -0.0 too
    # col2im is im2col's adjoint: <im2col(x), col> = <x, col2im(col)>.
    assert np.isclose(np.sum(im2col(x, fh, fw, s, p) * col), np.sum(x * img))


@pytest.mark.parametrize("shape", SHAPES)
def test_convolution_forward_backward(shape) -> None:
    N, C, H, W, fh, fw, s, p = shape
    rs = np.random.RandomState(2)
    x, Wt, b = rs.randn(N, C, H, W), rs.randn(3, C, fh, fw), rs.randn(3)
    layer = Convolution(Wt, b, s, p)
    out = layer.forward(x)
    windows = direct_windows(x, fh, fw, s, p)
    oh, ow = out.shape[2:]
    direct = (windows @ Wt.reshape(3, -1).T + b).reshape(N, oh, ow, 3).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, direct, rtol=1e-12, atol=1e-12)
    dout = rs.randn(*out.shape)
    dx = layer.backward(dout.copy())

    def f_x(z: np.ndarray) -> float:
        return float(np.sum(Convolution(Wt, b, s, p).forward(z) * dout))

    np.testing.assert_allclose(dx, numerical_gradient(f_x, x.copy()), rtol=1e-5, atol=1e-7)
    w = Wt.copy()

    def f_w(_: np.ndarray) -> float:
        return float(np.sum(Convolution(w, b, s, p).forward(x) * dout))

    np.testing.assert_allclose(layer.dW, numerical_gradient(f_w, w), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(layer.db, dout.sum(axis=(0, 2, 3)), rtol=1e-12)
    # The book's layouts: col_W is W's transposed view, dW the transposed product's view.
    assert np.shares_memory(layer.col_W, Wt) and layer.col_W.flags.f_contiguous
    assert layer.dW.shape == Wt.shape and not layer.dW.flags.c_contiguous
    assert layer.backward(dout.copy(), need_dx=False) is None


def test_convolution_takes_one_bias_for_all_filters() -> None:
    """apply_filter.py passes b = 0."""
    x = np.random.RandomState(3).rand(1, 1, 6, 6).astype(np.float32)
    w = np.random.RandomState(4).randn(1, 1, 3, 3)
    out = Convolution(w, 0).forward(x)
    np.testing.assert_array_equal(out, Convolution(w, np.zeros(1)).forward(x))


def direct_pool(x: np.ndarray, ph: int, pw: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    N, C, H, W = x.shape
    oh, ow = (H - ph) // s + 1, (W - pw) // s + 1
    out = np.zeros((N, C, oh, ow))
    arg = np.zeros((N, oh, ow, C), dtype=int)
    for n, c, i, j in itertools.product(range(N), range(C), range(oh), range(ow)):
        window = x[n, c, i * s : i * s + ph, j * s : j * s + pw].reshape(-1)
        k = 0
        for m in range(1, window.size):
            if window[m] > window[k]:
                k = m
        out[n, c, i, j], arg[n, i, j, c] = window[k], k
    return out, arg.reshape(-1)


@pytest.mark.parametrize("ph,pw,s", [(2, 2, 2), (3, 3, 1), (2, 3, 1), (1, 1, 1), (3, 2, 3)])
def test_pooling_first_maximum_and_gradient_routing(ph: int, pw: int, s: int) -> None:
    rs = np.random.RandomState(5)
    x = np.round(rs.randn(3, 2, ph + 2 * s, pw + s), 1)  # rounded: ties
    layer = Pooling(ph, pw, s)
    out = layer.forward(x)
    ref_out, ref_arg = direct_pool(x, ph, pw, s)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(layer.arg_max, ref_arg)
    dout = rs.randn(*out.shape)
    dout.flat[0] = -0.0
    dx = layer.backward(dout)
    # Reference: each output's gradient added at its window's first maximum, in col2im's
    # order (filter position outer), onto zeros.
    N, C, oh, ow = out.shape
    arg = ref_arg.reshape(N, oh, ow, C)
    ref = np.zeros(x.shape)
    for k in range(ph * pw):
        y, xx = divmod(k, pw)
        for n, c, i, j in itertools.product(range(N), range(C), range(oh), range(ow)):
            ref[n, c, i * s + y, j * s + xx] += dout[n, c, i, j] if arg[n, i, j, c] == k else 0.0
    np.testing.assert_array_equal(dx, ref)
    assert not np.signbit(dx[dx == 0]).any()  # 0.0 + (-0.0) is +0.0, as in col2im


def test_pooling_with_nan_follows_argmax() -> None:
    x = np.array([[[[1.0, np.nan], [5.0, 2.0]]]])
    layer = Pooling(2, 2, 2)
    out = layer.forward(x)
    assert np.isnan(out[0, 0, 0, 0]) and layer.arg_max.tolist() == [1]


@pytest.mark.parametrize(
    ("pool", "size"), [((2, 2, 2), 4), ((3, 3, 2), 5)], ids=["tiled", "overlapping"]
)
def test_pooling_dx_gives_a_convolution_the_books_matrix(
    pool: tuple[int, int, int], size: int
) -> None:
    """The book's dx is a view of col2im's larger array: a convolution below copies it
    to a C-ordered (samples·rows·columns, channels) matrix for its products. A C-ordered
    dx would instead be viewed there, in Fortran order for one sample: another BLAS
    call. pyref's dx (col2im's view, or for tiling windows laid out as a convolution's
    output) gives the convolution a C-ordered matrix too."""
    x = np.random.RandomState(6).randn(1, 3, size, size)
    layer = Pooling(*pool)
    dx = layer.backward(np.ones(layer.forward(x).shape))
    assert dx.shape == x.shape and not dx.flags.c_contiguous
    assert dx.transpose(0, 2, 3, 1).reshape(-1, 3).flags.c_contiguous


def test_relu_backward_is_in_place_as_the_books() -> None:
    x = np.array([[-1.0, 2.0], [0.0, -0.0]])
    relu = Relu()
    out = relu.forward(x)
    np.testing.assert_array_equal(out, [[0.0, 2.0], [0.0, 0.0]])
    assert not np.signbit(out).any() and out.flags.c_contiguous
    assert Relu().forward(np.asfortranarray(x)).flags.c_contiguous  # the book's copy: C order
    dout = np.full((2, 2), 3.0)
    assert relu.backward(dout) is dout
    np.testing.assert_array_equal(dout, [[0.0, 3.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="dout has shape"):
        relu.backward(np.ones(3))


def test_output_sizes() -> None:
    assert conv_output_size(28, 5) == 24.0
    assert conv_output_size(7, 2, stride=2) == 3.5  # the book's value, not whole
    assert window_output_size(28, 5, 1, 0, axis="height", window_name="f", input_name="x") == 24
    with pytest.raises(ValueError, match="filter_size 5 is larger than the padded input 3"):
        conv_output_size(3, 5)


BAD_INPUTS = [
    (lambda: im2col(np.zeros((2, 3, 4)), 2, 2), ValueError, "input_data must have 4 dimensions"),
    (
        lambda: im2col(np.zeros((1, 1, 4, 4)), 5, 2),
        ValueError,
        r"filter_h 5 is larger than input_data's padded height 4 \(height 4, pad 0\)",
    ),
    (
        lambda: im2col(np.zeros((1, 1, 4, 4)), 2, 2, stride=0),
        ValueError,
        "stride must be >= 1, got 0",
    ),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 2, 2, pad=-1), ValueError, "pad must be >= 0, got -1"),
    (
        lambda: im2col(np.zeros((1, 1, 5, 4)), 2, 2, stride=2),
        ValueError,
        "input_data's padded height 5 minus filter_h 2 is 3, not a multiple of stride 2",
    ),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 2.0, 2), TypeError, "filter_h must be an int"),
    (
        lambda: Convolution(np.zeros((2, 3, 3, 3)), np.zeros(2)).forward(np.zeros((1, 1, 5, 5))),
        ValueError,
        "x has 1 channels, W's filters have 3",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 6, 3)), np.zeros(2), pad=1).forward(
            np.zeros((1, 1, 3, 5))
        ),
        ValueError,
        r"W's filter height 6 is larger than x's padded height 5 \(height 3, pad 1\)",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(3)),
        ValueError,
        "b has 3 entries for W with 2 filters",
    ),
    (lambda: Convolution(np.zeros((2, 1, 3)), np.zeros(2)), ValueError, "W must have 4 dimensions"),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), stride=-1),
        ValueError,
        "stride must be >= 1",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), pad=-2),
        ValueError,
        "pad must be >= 0, got -2",
    ),
    (
        lambda: Pooling(2, 2, 2).forward(np.zeros((1, 1, 5, 4))),
        ValueError,
        "x's padded height 5 minus pool_h 2 is 3, not a multiple of stride 2",
    ),
    (lambda: Pooling(2, 2, 2).forward(np.zeros((4, 4))), ValueError, "x must have 4 dimensions"),
    (lambda: Pooling(0, 2), ValueError, "pool_h must be >= 1, got 0"),
    (lambda: col2im(np.zeros((3, 4)), (1, 1, 3, 3), 2, 2), ValueError, r"col has shape \(3, 4\)"),
]


@pytest.mark.parametrize("call,error,message", BAD_INPUTS)
def test_bad_input_names_the_argument(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call()
