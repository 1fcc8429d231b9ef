"""Layers with forward and backward passes: the computational graph's MulLayer and
AddLayer (5.4), activations, Affine, SoftmaxWithLoss, Dropout and BatchNormalization
(sections 5 and 6.3-6.4 of the book).

Forward passes keep what backward needs; backward takes the upstream gradient and
returns the gradient for the layer below, storing parameter gradients on the layer
(``Affine.dW``/``db``, ``BatchNormalization.dgamma``/``dbeta``).

Longer than 500 lines because the book keeps its layers in one module (common/layers.py)
and so does pyref, each layer a short class beside the checks they share.
"""

from __future__ import annotations

import numpy as np

from pyref.checks import check_array, check_batch, check_unit_interval
from pyref.functions import _check_probabilities_and_labels, _cross_entropy_error, sigmoid, softmax
from pyref.rng import resolve_rng

#: Added to the variance before the square root in Batch Normalization (the book's 10e-7).
BATCHNORM_EPS = 10e-7

#: Weight of the old value in Batch Normalization's running averages (the book's 0.9).
BATCHNORM_MOMENTUM = 0.9


def _pass_bits(x: np.ndarray, mask: np.ndarray, out: np.ndarray) -> bool:
    """``out`` = ``x`` where ``mask`` is False and +0.0 where it is True, bit for bit
    (NaN and -0.0 included), as integer multiplication of ``x``'s bits by 0 or 1;
    False (nothing written) for dtypes other than float32/float64.

    The 0/1 factor is ``mask``'s negation cast on the fly, so nothing larger than a
    byte per element is allocated (an 8-byte keep mask as large as the activations
    would cost an evaluation pass over a whole data set megabytes of fresh memory)."""
    if x.dtype.kind != "f" or x.dtype.itemsize not in (4, 8) or out.dtype != x.dtype:
        return False
    bits = f"u{x.dtype.itemsize}"
    np.multiply(x.view(bits), np.logical_not(mask), out=out.view(bits))
    return True


def _check_backward(layer: object, state: np.ndarray | None, dout: object) -> np.ndarray:
    """``dout`` for ``layer``'s backward: after a forward pass (``state`` is what it
    kept), an array of the forward output's shape."""
    name = type(layer).__name__
    if state is None:
        raise RuntimeError(f"{name}.backward needs a forward pass first")
    dout = check_array("dout", dout, finite=False)
    if dout.shape != state.shape:
        raise ValueError(
            f"dout has shape {dout.shape}; {name}'s last forward output had {state.shape}"
        )
    return dout


def _check_operand(name: str, value: object) -> object:
    """A MulLayer/AddLayer operand: a real number (Python's or numpy's, not a bool) or
    a numeric numpy array, returned unchanged (ints stay ints, as in the book)."""
    if isinstance(value, np.ndarray):
        return check_array(name, value, finite=False)
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a real number or a numpy array, not {type(value).__name__}")
    return value


class MulLayer:
    """The book's multiplication node (5.4.1): forward returns x * y and keeps both
    factors; backward returns (dout * y, dout * x).

    Numbers or numpy arrays (broadcast as numpy does), computed with Python's and
    numpy's own ``*``: 100 * 2 stays the int 200, 200 * 1.1 is 220.00000000000003.
    """

    def __init__(self) -> None:
        self.x: object = None
        self.y: object = None

    def forward(self, x: object, y: object) -> object:
        """Multiplication node forward pass.

        Args:
            x, y: numbers or arrays of shapes numpy broadcasts together.

        Returns:
            x * y.
        """
        self.x = _check_operand("x", x)
        self.y = _check_operand("y", y)
        return x * y

    def backward(self, dout: object) -> tuple[object, object]:
        """Multiplication node backward pass.

        Args:
            dout: upstream gradient, the forward output's shape.

        Returns:
            (dx, dy) = (dout * y, dout * x).
        """
        if self.x is None:
            raise RuntimeError("MulLayer.backward needs a forward pass first")
        dout = _check_operand("dout", dout)
        return dout * self.y, dout * self.x


class AddLayer:
    """The book's addition node (5.4.2): forward returns x + y; backward passes the
    upstream gradient to both inputs as the book computes it, (dout * 1, dout * 1)."""

    def __init__(self) -> None:
        pass

    def forward(self, x: object, y: object) -> object:
        """Addition node forward pass.

        Args:
            x, y: numbers or arrays of shapes numpy broadcasts together.

        Returns:
            x + y.
        """
        return _check_operand("x", x) + _check_operand("y", y)

    def backward(self, dout: object) -> tuple[object, object]:
        """Addition node backward pass.

        Args:
            dout: upstream gradient, the forward output's shape.

        Returns:
            (dx, dy) = (dout * 1, dout * 1).
        """
        dout = _check_operand("dout", dout)
        return dout * 1, dout * 1


class Relu:
    """max(0, x) as the book computes it (x <= 0 becomes +0.0, NaN stays NaN); the
    gradient passes where x > 0.

    Attributes:
        mask: bool array of the last input's shape, True where x <= 0.

    Notes:
        As the book's: forward returns a new array, backward zeroes ``dout`` in
        place and returns it (a convolution's backward pass reshapes it, and whether
        numpy copies there depends on its memory layout, which decides the next
        matrix product's BLAS call).
    """

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Relu forward pass.

        Args:
            x: inputs, any shape.

        Returns:
            max(0, x), a new array of ``x``'s shape.
        """
        self.mask = x <= 0
        # The book's copy is C-ordered; a matrix stays so here (an Affine layer's
        # np.dot reads its layout). Images keep the input's memory order, which
        # nothing downstream reads: it spares a transposing pass over a
        # convolution's output.
        out = np.empty_like(x, order="C" if x.ndim <= 2 else "K")
        if _pass_bits(x, self.mask, out):
            return out
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Relu backward pass.

        Args:
            dout: upstream gradient, the shape of the last forward input.

        Returns:
            dx: ``dout`` itself, zeroed in place where the input was <= 0.
        """
        dout = _check_backward(self, self.mask, dout)
        if dout.flags.writeable and _pass_bits(dout, self.mask, dout):
            return dout
        dout[self.mask] = 0
        return dout


class Sigmoid:
    """1 / (1 + exp(-x)); the gradient is dout * (1 - y) * y.

    Attributes:
        out: the last forward output y.
    """

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Sigmoid forward pass.

        Args:
            x: inputs, any shape.

        Returns:
            y = sigmoid(x), ``x``'s shape.
        """
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Sigmoid backward pass.

        Args:
            dout: upstream gradient, the shape of the last forward output.

        Returns:
            dx = dout * (1 - y) * y, the same shape.
        """
        dout = _check_backward(self, self.out, dout)
        return dout * (1.0 - self.out) * self.out


class Tanh:
    """tanh(x); the gradient is dout * (1 - y * y).

    Attributes:
        out: the last forward output y.
    """

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Tanh forward pass.

        Args:
            x: inputs, any shape.

        Returns:
            y = tanh(x), ``x``'s shape.
        """
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Tanh backward pass.

        Args:
            dout: upstream gradient, the shape of the last forward output.

        Returns:
            dx = dout * (1 - y * y), the same shape.
        """
        dout = _check_backward(self, self.out, dout)
        return dout * (1.0 - self.out * self.out)


#: Activation names the nets accept and their layer classes.
ACTIVATIONS: dict[str, type] = {"sigmoid": Sigmoid, "relu": Relu, "tanh": Tanh}


class Affine:
    """x @ W + b, for inputs of any shape whose first axis is the batch.

    Attributes:
        W, b: the weights, shapes (D, M) and (M,).
        dW, db: their gradients after a backward pass, the same shapes.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        """A layer over the given weights (kept, not copied).

        Args:
            W: weights, shape (D, M), D = features per sample.
            b: biases, shape (M,).
        """
        check_array("W", W, ndim=2)
        check_array("b", b, ndim=1)
        if b.shape[0] != W.shape[1]:
            raise ValueError(f"b has {b.shape[0]} entries for W with {W.shape[1]} columns")
        self.W = W
        self.b = b
        self.x: np.ndarray | None = None
        self.original_x_shape: tuple[int, ...] | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Affine forward pass.

        Args:
            x: inputs, shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D.

        Returns:
            out: x reshaped to (N, D) @ W + b, shape (N, M).

        Notes:
            As the book: x itself is kept (no copy as large as an evaluation set) and
            np.dot converts float32 images to float64 for the product.
        """
        check_batch("x", x)
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.W.shape[0]:
            raise ValueError(f"x has {x.shape[1]} features per sample, W expects {self.W.shape[0]}")
        self.x = x
        out = np.dot(x, self.W)
        if np.result_type(out, self.b) == out.dtype:
            out += self.b  # in place: the same sums, one array less
            return out
        return out + self.b

    def backward(self, dout: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        """Affine backward pass: dW and db are kept on the layer.

        Args:
            dout: upstream gradient, shape (N, M).
            need_dx: False to skip dx (a net's first layer: no one uses the
                gradient of the input images).

        Returns:
            dx: shape (N, d_1, ..., d_k) of the last input, or None.
        """
        if self.x is None:
            raise RuntimeError("Affine.backward needs a forward pass first")
        dout = check_array("dout", dout, ndim=2, finite=False)
        if dout.shape != (self.x.shape[0], self.W.shape[1]):
            raise ValueError(
                f"dout has shape {dout.shape}; Affine's last forward output had "
                f"{(self.x.shape[0], self.W.shape[1])}"
            )
        # Converted first, then transposed: np.dot on a float32 x.T takes a slower
        # path to the same product.
        x = self.x.astype(np.result_type(self.x, dout), copy=False)
        self.dW = np.dot(x.T, dout)
        self.db = np.sum(dout, axis=0)
        if not need_dx:
            return None
        dx = np.dot(dout, self.W.T)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy against labels or one-hot rows.

    Attributes:
        y: the last softmax output, shape (N, C); t: its labels; loss: the last loss.
    """

    def __init__(self) -> None:
        self.loss: float | None = None
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """Softmax and the mean cross-entropy.

        Args:
            x: scores, shape (N, C) (or (C,) for one sample).
            t: labels, shape (N,) of ints in [0, C), or one-hot rows of shape (N, C).

        Returns:
            loss: the mean cross-entropy, a float.
        """
        x = check_array("x", x, ndim=(1, 2), finite=False)
        _check_probabilities_and_labels(x, t, "x")  # x has the shape of the probabilities
        return self._forward(x, t)

    def _forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """forward without its checks: for a net that checked its labels and made x
        itself (a numerical gradient calls it twice per parameter entry)."""
        self.t = t
        self.y = softmax(x)
        self.loss = _cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout: float = 1) -> np.ndarray:
        """Gradient of the loss with respect to the scores.

        Args:
            dout: upstream gradient of the loss, ignored as in the book (1).

        Returns:
            dx = (y - t) / N, shape (N, C).
        """
        if self.y is None:
            raise RuntimeError("SoftmaxWithLoss.backward needs a forward pass first")
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot labels
            return (self.y - self.t) / batch_size
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        return dx / batch_size


class Dropout:
    """Dropout (Hinton et al., arXiv:1207.0580) in the book's form.

    Training keeps each unit where a uniform draw exceeds ``dropout_ratio`` (one
    ``rand`` of the input's shape per forward pass); at test time every unit is
    kept and scaled by ``1 - dropout_ratio``.
    """

    def __init__(
        self, dropout_ratio: float = 0.5, *, rng: np.random.RandomState | None = None
    ) -> None:
        """A Dropout layer with its ratio and random stream.

        Args:
            dropout_ratio: probability of dropping a unit, in [0, 1).
            rng: the random stream, or None for numpy's global one (the book's).
        """
        self.dropout_ratio = check_unit_interval("dropout_ratio", dropout_ratio)
        self.rng = rng
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """Dropout forward pass.

        Args:
            x: inputs, any shape.
            train_flg: True to drop (one ``rand`` of ``x``'s shape), False to scale.

        Returns:
            x * mask in training, x * (1 - dropout_ratio) otherwise; ``x``'s shape.
        """
        if train_flg:
            self.mask = resolve_rng(self.rng).rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Dropout backward pass.

        Args:
            dout: upstream gradient, the shape of the last training input.

        Returns:
            dx = dout * mask, the same shape.
        """
        dout = _check_backward(self, self.mask, dout)
        return dout * self.mask


class BatchNormalization:
    """Batch Normalization (Ioffe & Szegedy, arXiv:1502.03167).

    Training normalises with the batch's mean and variance and updates the running
    averages (running = momentum * running + (1 - momentum) * batch); test mode
    normalises with the running averages. Inputs of more than two dimensions are
    flattened per sample, as in the book.

    Attributes:
        gamma, beta: scale and shift, shape (D,); dgamma, dbeta: their gradients.
        running_mean, running_var: test-time statistics, shape (D,).
    """

    def __init__(
        self,
        gamma: np.ndarray,
        beta: np.ndarray,
        momentum: float = BATCHNORM_MOMENTUM,
        running_mean: np.ndarray | None = None,
        running_var: np.ndarray | None = None,
    ) -> None:
        """A layer over the given scale, shift and statistics.

        Args:
            gamma: scale, shape (D,), D = features per sample.
            beta: shift, shape (D,).
            momentum: weight of the old value in the running averages, in [0, 1).
            running_mean, running_var: starting statistics, shape (D,), or None for
                zeros at the first forward pass.
        """
        check_array("gamma", gamma, ndim=1)
        check_array("beta", beta, ndim=1)
        if gamma.shape != beta.shape:
            raise ValueError(f"gamma {gamma.shape} and beta {beta.shape} must have one shape")
        self.gamma = gamma
        self.beta = beta
        self.momentum = check_unit_interval("momentum", momentum)
        self.running_mean = running_mean
        self.running_var = running_var
        self.input_shape: tuple[int, ...] | None = None
        self.batch_size: int | None = None
        self.xc: np.ndarray | None = None
        self.xn: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.dgamma: np.ndarray | None = None
        self.dbeta: np.ndarray | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """Batch Normalization forward pass.

        Args:
            x: inputs, shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D.
            train_flg: True to use the batch's statistics (and update the running
                ones), False to use the running ones.

        Returns:
            out: gamma * normalised x + beta, ``x``'s shape.
        """
        check_batch("x", x)
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.gamma.shape[0]:
            raise ValueError(f"x has {x.shape[1]} features, gamma has {self.gamma.shape[0]}")
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + BATCHNORM_EPS)
            xn = xc / std
            self.batch_size = x.shape[0]
            self.xc, self.xn, self.std = xc, xn, std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xn = x - self.running_mean
            xn /= np.sqrt(self.running_var + BATCHNORM_EPS)  # in place: the same division
        out = self.gamma * xn
        out += self.beta
        return out.reshape(*self.input_shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Batch Normalization backward pass: dgamma and dbeta are kept on the layer.

        Args:
            dout: upstream gradient, the shape of the last training input.

        Returns:
            dx: the same shape.

        Notes:
            The book's expressions, evaluated in its order into one scratch array.
        """
        if self.xn is None:
            raise RuntimeError("BatchNormalization.backward needs a training forward pass first")
        dout = check_array("dout", dout, finite=False)
        if dout.shape != self.input_shape:
            raise ValueError(
                f"dout has shape {dout.shape}; BatchNormalization's last forward "
                f"input had {self.input_shape}"
            )
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        tmp = dxn * self.xc
        tmp /= self.std * self.std
        dstd = -np.sum(tmp, axis=0)
        dvar = 0.5 * dstd / self.std
        np.multiply(2.0 / self.batch_size, self.xc, out=tmp)
        tmp *= dvar
        dxc += tmp
        dmu = np.sum(dxc, axis=0)
        dxc -= dmu / self.batch_size  # dx
        return dxc.reshape(*self.input_shape)
