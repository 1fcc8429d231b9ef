"""Convolution and pooling (chapter 7): im2col and col2im, the Convolution and Pooling
layers, with the book's attribute names (``col``, ``col_W``, ``arg_max``, ``dW``, ``db``).

Tensors are NCHW: (samples, channels, height, width). Every result equals the
book's bit for bit, and every matrix product is the book's ``np.dot`` on operands
laid out in memory as the book's are (which decides numpy's BLAS call, hence the
last bits): ``col`` is C-ordered, except for a single sample, where the book's
reshape of its transposed array is a view in Fortran order, and so is pyref's.

Where pyref computes differently, the numbers are the same: ``im2col`` copies the
windows in one pass instead of one per filter position; ``Pooling`` finds each
window's maximum by comparing the window's positions in turn (the first maximum
wins, as ``np.argmax``: first along each window row, then across the rows; inputs
holding NaN take the book's path) and scatters the
gradient back without building the book's ``dmax`` matrix, adding the values in
col2im's order.

Longer than 500 lines because im2col, col2im and the two layers built on them share
their window geometry and memory-layout rules, which read best in one place.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from pyref.checks import check_array, check_nonnegative_int, check_positive_int

#: The book's pooling: 2×2 windows moving by 2 (SimpleConvNet's; Pooling's default
#: stride, as common/layers.py's).
POOL_SIZE = 2

#: col2im adds a block of samples at a time, about this many bytes of ``col``, so
#: that its one strided pass per filter position reads the block from cache.
_COL2IM_BLOCK_BYTES = 512 << 10


def window_output_size(
    size: int, window: int, stride: int, pad: int, *, axis: str, window_name: str, input_name: str
) -> int:
    """How many positions a window takes along one input axis, checked.

    Args:
        size: the input's length along the axis.
        window: the window's length along it.
        stride: how far the window moves, >= 1.
        pad: zeros added on each side, >= 0.
        axis, window_name, input_name: words for the error messages.

    Returns:
        (size + 2·pad − window) / stride + 1, an int.

    Raises:
        ValueError: the window is larger than the padded input, or the stride does
            not divide the span (the book's code would silently drop the remainder).
    """
    padded = size + 2 * pad
    if window > padded:
        raise ValueError(
            f"{window_name} {window} is larger than {input_name}'s padded {axis} {padded} "
            f"({axis} {size}, pad {pad})"
        )
    span = padded - window
    if span % stride:
        raise ValueError(
            f"{input_name}'s padded {axis} {padded} minus {window_name} {window} is {span}, "
            f"not a multiple of stride {stride}: the output {axis} would not be an integer"
        )
    return span // stride + 1


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> float:
    """The book's util ``conv_output_size``.

    Args:
        input_size: a positive int.
        filter_size: a positive int, no larger than the padded input.
        stride: >= 1.
        pad: >= 0.

    Returns:
        (input_size + 2·pad − filter_size) / stride + 1, a float (not necessarily
        whole: the book's value).
    """
    input_size = check_positive_int("input_size", input_size)
    filter_size = check_positive_int("filter_size", filter_size)
    stride = check_positive_int("stride", stride)
    pad = check_nonnegative_int("pad", pad)
    if filter_size > input_size + 2 * pad:
        raise ValueError(
            f"filter_size {filter_size} is larger than the padded input {input_size + 2 * pad} "
            f"(input_size {input_size}, pad {pad})"
        )
    return (input_size + 2 * pad - filter_size) / stride + 1


def _geometry(
    shape: tuple[int, ...],
    filter_h: int,
    filter_w: int,
    stride: int,
    pad: int,
    names: tuple[str, str],
    input_name: str,
) -> tuple[int, int]:
    """(out_h, out_w) for an NCHW ``shape``, checked."""
    _, _, H, W = shape
    out_h = window_output_size(
        H, filter_h, stride, pad, axis="height", window_name=names[0], input_name=input_name
    )
    out_w = window_output_size(
        W, filter_w, stride, pad, axis="width", window_name=names[1], input_name=input_name
    )
    return out_h, out_w


def _padded(x: np.ndarray, pad: int) -> np.ndarray:
    return np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant") if pad else x


def _im2col(
    x: np.ndarray, filter_h: int, filter_w: int, stride: int, pad: int, out_h: int, out_w: int
) -> np.ndarray:
    """im2col on checked arguments: one strided copy of every window into float64."""
    N, C = x.shape[:2]
    img = _padded(x, pad)
    sN, sC, sH, sW = img.strides
    if N == 1:
        # The book's reshape of its transposed (1, C, FH, FW, OH, OW) array is then a
        # view: its col is that array's memory, a Fortran-ordered (OH·OW, C·FH·FW) matrix.
        col = np.empty((out_h * out_w, C * filter_h * filter_w), order="F")
        target = col.T.reshape(C, filter_h, filter_w, out_h, out_w)
        windows = as_strided(
            img,
            (C, filter_h, filter_w, out_h, out_w),
            (sC, sH, sW, sH * stride, sW * stride),
            writeable=False,
        )
    else:
        col = np.empty((N * out_h * out_w, C * filter_h * filter_w))
        target = col.reshape(N, out_h, out_w, C, filter_h, filter_w)
        windows = as_strided(
            img,
            (N, out_h, out_w, C, filter_h, filter_w),
            (sN, sH * stride, sW * stride, sC, sH, sW),
            writeable=False,
        )
    np.copyto(target, windows, casting="unsafe")
    return col


def im2col(
    input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Every filter window of the input as a row of a matrix.

    Args:
        input_data: images, shape (N, C, H, W).
        filter_h, filter_w: the window's height and width.
        stride: how far the window moves, >= 1.
        pad: zeros added on each side of H and W, >= 0.

    Returns:
        col: float64, shape (N·out_h·out_w, C·filter_h·filter_w); rows ordered
        (sample, window row, window column), columns (channel, filter row, filter
        column).

    Notes:
        One strided copy of every window instead of the book's one per filter
        position: the same numbers. A single sample's col is Fortran-ordered, as
        the book's reshape of its transposed array is a view then.
    """
    x = check_array("input_data", input_data, ndim=4, finite=False)
    filter_h = check_positive_int("filter_h", filter_h)
    filter_w = check_positive_int("filter_w", filter_w)
    stride = check_positive_int("stride", stride)
    pad = check_nonnegative_int("pad", pad)
    out_h, out_w = _geometry(
        x.shape, filter_h, filter_w, stride, pad, ("filter_h", "filter_w"), "input_data"
    )
    return _im2col(x, filter_h, filter_w, stride, pad, out_h, out_w)


def _check_shape(input_shape: object) -> tuple[int, int, int, int]:
    if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__len__"):
        raise TypeError("input_shape must be a sequence of 4 sizes (N, C, H, W)")
    if len(input_shape) != 4:
        raise ValueError(f"input_shape must have 4 sizes (N, C, H, W), got {tuple(input_shape)}")
    n, c, h, w = (check_positive_int("input_shape", v) for v in input_shape)
    return n, c, h, w


def col2im(
    col: np.ndarray,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> np.ndarray:
    """The inverse layout of im2col, summing where windows overlap.

    Args:
        col: shape (N·out_h·out_w, C·filter_h·filter_w), as im2col makes.
        input_shape: (N, C, H, W) of the images im2col read.
        filter_h, filter_w, stride, pad: as given to im2col.

    Returns:
        img: shape (N, C, H, W); each element the sum, in filter-position order (the
        book's accumulation order), of the entries of ``col`` im2col copied from it.

    Notes:
        The book's one strided addition per filter position, done a block of samples
        at a time: each element gets the same additions in the same order.
    """
    col = check_array("col", col, ndim=2, finite=False)
    N, C, H, W = _check_shape(input_shape)
    filter_h = check_positive_int("filter_h", filter_h)
    filter_w = check_positive_int("filter_w", filter_w)
    stride = check_positive_int("stride", stride)
    pad = check_nonnegative_int("pad", pad)
    out_h, out_w = _geometry(
        (N, C, H, W), filter_h, filter_w, stride, pad, ("filter_h", "filter_w"), "input_shape"
    )
    expected = (N * out_h * out_w, C * filter_h * filter_w)
    if col.shape != expected:
        raise ValueError(
            f"col has shape {col.shape}; input_shape {(N, C, H, W)} with these "
            f"filters gives {expected}"
        )
    cols = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    samples = max(1, _COL2IM_BLOCK_BYTES // (out_h * out_w * col.shape[1] * col.itemsize))
    for first in range(0, N, samples):
        block, block_cols = img[first : first + samples], cols[first : first + samples]
        for y in range(filter_h):
            y_max = y + stride * out_h
            for x in range(filter_w):
                x_max = x + stride * out_w
                block[:, :, y:y_max:stride, x:x_max:stride] += block_cols[:, :, y, x, :, :]
    return img[:, :, pad : H + pad, pad : W + pad]


def _check_nonempty(x: np.ndarray) -> np.ndarray:
    """A layer's input ``x`` with at least one sample."""
    if x.shape[0] == 0:
        raise ValueError(f"x has no samples (an empty batch, shape {x.shape})")
    return x


def _check_dout(layer: object, forward_input: np.ndarray | None, out_shape: tuple, dout: object):
    """``dout`` for ``layer``'s backward: after a forward pass (RuntimeError otherwise),
    a 4-D array of the shape of the last forward output ``out_shape`` (ValueError)."""
    name = type(layer).__name__
    if forward_input is None:
        raise RuntimeError(f"{name}.backward needs a forward pass first")
    dout = check_array("dout", dout, ndim=4, finite=False)
    if dout.shape != tuple(out_shape):
        raise ValueError(
            f"dout has shape {dout.shape}; {name}'s last forward output had {tuple(out_shape)}"
        )
    return dout


def _check_bias(b: object, filter_num: int) -> np.ndarray | float:
    """A bias per filter (1-D, filter_num entries) or one number for all (as the book's
    apply_filter.py passes ``b = 0``)."""
    if isinstance(b, np.ndarray):
        check_array("b", b, ndim=1)
        if b.shape[0] != filter_num:
            raise ValueError(f"b has {b.shape[0]} entries for W with {filter_num} filters")
        return b
    if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)):
        raise TypeError(f"b must be a numpy array or a number, not {type(b).__name__}")
    if not np.isfinite(b):
        raise ValueError(f"b must be finite, got {b}")
    return b


class Convolution:
    """A convolution layer with filters ``W`` (FN, C, FH, FW) and biases ``b`` (FN),
    moving by ``stride`` over the input zero-padded by ``pad``: im2col, then one matrix
    product with the filters as columns (``col_W``), as the book computes it.

    Attributes:
        W, b: filters (FN, C, FH, FW) and biases (FN,); dW, db: their gradients.
        col, col_W: the last forward pass's im2col matrix and filter columns.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray | float, stride: int = 1, pad: int = 0) -> None:
        """A layer over the given filters (kept, not copied).

        Args:
            W: filters, shape (FN, C, FH, FW).
            b: biases, shape (FN,), or one number for all filters.
            stride: >= 1.
            pad: zeros added on each side of H and W, >= 0.
        """
        check_array("W", W, ndim=4)
        self.W = W
        self.b = _check_bias(b, W.shape[0])
        self.stride = check_positive_int("stride", stride)
        self.pad = check_nonnegative_int("pad", pad)
        self.x: np.ndarray | None = None
        self.col: np.ndarray | None = None
        self.col_W: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self._out_shape: tuple[int, int, int, int] = (0, 0, 0, 0)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Convolution forward pass.

        Args:
            x: images, shape (N, C, H, W).

        Returns:
            out: shape (N, FN, out_h, out_w).
        """
        x = _check_nonempty(check_array("x", x, ndim=4, finite=False))
        FN, C, FH, FW = self.W.shape
        N = x.shape[0]
        if x.shape[1] != C:
            raise ValueError(f"x has {x.shape[1]} channels, W's filters have {C}")
        out_h, out_w = _geometry(
            x.shape, FH, FW, self.stride, self.pad, ("W's filter height", "W's filter width"), "x"
        )
        col = _im2col(x, FH, FW, self.stride, self.pad, out_h, out_w)
        col_W = self.W.reshape(FN, -1).T
        out = np.dot(col, col_W)
        if np.result_type(out, self.b) == out.dtype:
            out += self.b  # in place: the same sums as the book's np.dot(...) + b
        else:
            out = out + self.b
        self.x, self.col, self.col_W = x, col, col_W
        self._out_shape = (N, FN, out_h, out_w)
        return out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        """Convolution backward pass: dW and db are kept on the layer.

        Args:
            dout: upstream gradient, shape (N, FN, out_h, out_w).
            need_dx: False to skip dx (col2im and a matrix product): a net's first
                layer, as no one uses the gradient of the input images.

        Returns:
            dx: shape (N, C, H, W), or None.
        """
        dout = _check_dout(self, self.col, self._out_shape, dout)
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout).transpose(1, 0).reshape(FN, C, FH, FW)
        if not need_dx:
            return None
        dcol = np.dot(dout, self.col_W.T)
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


def _holds_nan(x: np.ndarray) -> bool:
    """Whether a floating-point ``x`` holds a NaN (np.max propagates it)."""
    return bool(x.dtype.kind == "f" and x.size and np.isnan(np.max(x)))


class Pooling:
    """Max pooling over ``pool_h`` × ``pool_w`` windows moving by ``stride`` (the book's
    default 2) over the input zero-padded by ``pad``.

    ``arg_max`` is the book's: for each window, in the order (sample, row, column,
    channel), the position of its first maximum within the window (row-major). The
    output is the value at that position, which is ``np.max``'s except for the sign of
    a maximum that is zero in both signs. The book sizes the output without the
    padding and so fails for ``pad`` > 0; pyref pads as im2col does.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = POOL_SIZE, pad: int = 0) -> None:
        """A pooling layer with its window and stride.

        Args:
            pool_h, pool_w: the window's height and width, >= 1.
            stride: how far the window moves, >= 1.
            pad: zeros added on each side of H and W, >= 0.
        """
        self.pool_h = check_positive_int("pool_h", pool_h)
        self.pool_w = check_positive_int("pool_w", pool_w)
        self.stride = check_positive_int("stride", stride)
        self.pad = check_nonnegative_int("pad", pad)
        self.x: np.ndarray | None = None
        self._argmax: np.ndarray | None = None  # (N, C, out_h, out_w)

    @property
    def arg_max(self) -> np.ndarray | None:
        """The book's flat ``arg_max``, ordered (sample, row, column, channel)."""
        if self._argmax is None:
            return None
        return self._argmax.transpose(0, 2, 3, 1).reshape(-1).astype(np.intp)

    def _phases(self, img: np.ndarray, out_h: int, out_w: int) -> list[np.ndarray]:
        """Each window position's values over all windows, position by position (row-major)."""
        s = self.stride
        return [
            img[:, :, y : y + s * out_h : s, x : x + s * out_w : s]
            for y in range(self.pool_h)
            for x in range(self.pool_w)
        ]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Max pooling forward pass.

        Args:
            x: images, shape (N, C, H, W).

        Returns:
            out: each window's maximum, shape (N, C, out_h, out_w).
        """
        x = _check_nonempty(check_array("x", x, ndim=4, finite=False))
        out_h, out_w = _geometry(
            x.shape, self.pool_h, self.pool_w, self.stride, self.pad, ("pool_h", "pool_w"), "x"
        )
        found = self._tiled_first_maxima(x) if self._tiled() else None
        out, idx = found if found is not None else self._first_maxima(x, out_h, out_w)
        self.x = x
        self._argmax = idx
        return out

    def _tiled(self) -> bool:
        """Whether the windows tile the input: no padding, square windows as wide as
        the stride (the book's 2×2 pooling by 2), so every input element lies in
        exactly one window."""
        return self.pad == 0 and self.pool_h == self.pool_w == self.stride

    def _tiled_first_maxima(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """_first_maxima for tiling windows, on the window positions' strided views of
        ``x`` itself: no padded copy, every comparison over the output's size, and the
        positions kept in a byte each, updated by integer arithmetic.

        Args:
            x: the input, (N, C, H, W).

        Returns:
            (out, idx), both (N, C, out_h, out_w), or None when ``x`` holds a NaN
            (then _first_maxima, which stops at it as numpy's argmax does).
        """
        if _holds_nan(x):
            return None
        s = self.stride
        small = np.uint8 if s * s <= 256 else np.intp

        def chosen(idx: np.ndarray, new: object, greater: np.ndarray) -> np.ndarray:
            # idx where not greater, else new: idx ^ ((idx ^ new) * greater), in integers
            return np.bitwise_xor(idx, np.multiply(np.bitwise_xor(idx, new), greater))

        out = idx = None
        for y in range(s):
            best, col = x[:, :, y::s, 0::s], None
            for c in range(1, s):
                a = x[:, :, y::s, c::s]
                greater = a > best
                best = np.where(greater, a, best)
                col = (
                    np.multiply(greater, small(c))
                    if col is None
                    else chosen(col, small(c), greater)
                )
            if col is None:
                col = np.zeros(best.shape, dtype=small)
            if out is None:
                out, idx = best, col
                continue
            greater = best > out
            out = np.where(greater, best, out)
            idx = chosen(idx, col + small(y * s), greater)
        if s == 1:  # one position per window: out is x itself
            return np.array(out, dtype=np.float64), idx
        return out.astype(np.float64, copy=False), idx

    def _first_maxima(self, x: np.ndarray, out_h: int, out_w: int) -> tuple[np.ndarray, np.ndarray]:
        """Each window's first maximum and its position (row-major in the window), as
        np.argmax finds it: first along each window row (a later position wins only if
        strictly greater), then across the rows (a later row only if its best is
        strictly greater). An input holding a NaN takes the book's own path (numpy's
        argmax stops at the first NaN).

        Args:
            x: the input, (N, C, H, W).
            out_h, out_w: the output's height and width.

        Returns:
            (out, idx), both (N, C, out_h, out_w).
        """
        s, ph, pw = self.stride, self.pool_h, self.pool_w
        if _holds_nan(x):
            N, C = x.shape[:2]
            col = _im2col(x, ph, pw, s, self.pad, out_h, out_w).reshape(-1, ph * pw)
            flat = np.argmax(col, axis=1)
            out = col[np.arange(flat.size), flat]
            idx = flat.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)
            return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2), idx
        img = _padded(x, self.pad)
        small = np.uint8 if ph * pw <= 256 else np.intp
        best = img[:, :, :, 0 : s * out_w : s]
        col = np.zeros(best.shape, dtype=small)
        for x in range(1, pw):
            a = img[:, :, :, x : x + s * out_w : s]
            greater = a > best
            best = np.where(greater, a, best)
            col = np.where(greater, small(x), col)
        out = best[:, :, 0 : s * out_h : s]
        idx = col[:, :, 0 : s * out_h : s]
        for y in range(1, ph):
            a = best[:, :, y : y + s * out_h : s]
            greater = a > out
            out = np.where(greater, a, out)
            idx = np.where(greater, col[:, :, y : y + s * out_h : s] + small(y * pw), idx)
        return np.array(out, dtype=np.float64), np.asarray(idx)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Each output's gradient back to its window's first maximum; elsewhere 0.

        Args:
            dout: upstream gradient, shape (N, C, out_h, out_w).

        Returns:
            dx: shape (N, C, H, W). Where windows overlap, the contributions add up
            in col2im's order.
        """
        idx = self._argmax
        dout = _check_dout(self, self.x, () if idx is None else idx.shape, dout)
        N, C, H, W = self.x.shape
        s, p = self.stride, self.pad
        out_h, out_w = idx.shape[2:]
        if self._tiled():
            # Every element is written once: its window's value or +0.0, as the bits of
            # the value times 0 or 1. dx is laid out (sample, row, column, channel), as
            # a convolution's output: a convolution's backward pass then reshapes it
            # without a copy to the C-ordered matrix that the book's copy makes (the
            # same BLAS call), where a C-ordered dx would be viewed in Fortran order.
            dx = np.empty((N, H, W, C)).transpose(0, 3, 1, 2)
            values = np.empty_like(idx, dtype=np.float64)  # laid out as idx and dx
            np.add(dout, 0.0, out=values)  # col2im adds each into 0.0
            bits = values.view(np.uint64)
            for k in range(s * s):
                phase = dx[:, :, k // s :: s, k % s :: s].view(np.uint64)
                np.multiply(bits, idx == k, out=phase)
            return dx
        # col2im's array, so that dx is the same view of it as the book's (its layout
        # decides whether the convolution below copies dout, and so its BLAS call).
        img = np.zeros((N, C, H + 2 * p + s - 1, W + 2 * p + s - 1))
        if s >= self.pool_h and s >= self.pool_w:
            values = np.add(dout, 0.0, dtype=np.float64)  # col2im adds each into 0.0
            # Windows do not overlap: every element gets 0.0 + one value (or stays 0.0).
            for k, phase in enumerate(self._phases(img, out_h, out_w)):
                np.copyto(phase, values, where=idx == k)
        else:
            for k, phase in enumerate(self._phases(img, out_h, out_w)):
                phase += np.where(idx == k, dout, 0.0)
        return img[:, :, p : H + p, p : W + p]
