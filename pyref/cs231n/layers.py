"""The assignment's layers as pure function pairs: ``*_forward`` returns
``(out, cache)`` and ``*_backward(dout, cache)`` the gradients; plus the two losses.

Caches hold what backward needs, the same tuples in the Julia twin
(julia/src/cs231n/layers.jl). Arrays may be float32 or float64 and keep their dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.checks import check_array, check_choice, check_positive, check_real

#: Batch/layer normalisation's default constant added to the variance.
NORM_EPS = 1e-5

#: Batch normalisation's default weight of the old running mean and variance.
BATCHNORM_MOMENTUM = 0.9

#: The modes of batch normalisation and dropout.
MODES = ("train", "test")

#: The keys each parameter dictionary may hold.
BN_PARAM_KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")
LN_PARAM_KEYS = ("mode", "eps")
DROPOUT_PARAM_KEYS = ("mode", "p", "seed")


def _array(name: str, x: object, ndim: int | None = None) -> np.ndarray:
    """A numeric array, of ``ndim`` dimensions if given."""
    return check_array(name, x, ndim=ndim, finite=False)


def _same_shape(name: str, a: np.ndarray, ref_name: str, ref: np.ndarray) -> None:
    if a.shape != ref.shape:
        raise ValueError(f"{name} has shape {a.shape}, {ref_name} has {ref.shape}")


def _check_keys(name: str, param: object, allowed: tuple[str, ...]) -> dict:
    """A parameter dictionary holding only known keys."""
    if not isinstance(param, dict):
        raise TypeError(f"{name} must be a dict, not {type(param).__name__}")
    for key in param:
        if key not in allowed:
            raise ValueError(f"{name} has an unknown key {key!r}; known: {', '.join(allowed)}")
    return param


def _check_mode(name: str, param: dict, default: str | None = None) -> str:
    if "mode" not in param and default is None:
        raise ValueError(f"{name} needs a 'mode' ('train' or 'test')")
    return check_choice(f"{name}['mode']", param.get("mode", default), MODES)


def _check_features(name: str, v: object, d: int) -> np.ndarray:
    v = _array(name, v, 1)
    if v.shape != (d,):
        raise ValueError(f"{name} has shape {v.shape}; x has {d} features, so ({d},)")
    return v


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """An affine (fully-connected) layer: each sample, flattened, times ``w`` plus ``b``.

    Args:
        x: inputs, shape (N, d_1, ..., d_k), D = d_1 * ... * d_k.
        w: weights, shape (D, M).
        b: biases, shape (M,).

    Returns:
        (out, cache): out of shape (N, M); cache (x, w, b).
    """
    x = _array("x", x)
    w = _array("w", w, 2)
    b = _array("b", b, 1)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"x must hold samples along its first axis, got shape {x.shape}")
    d = int(np.prod(x.shape[1:]))
    if d != w.shape[0]:
        raise ValueError(
            f"x has {d} features per sample (shape {x.shape}), w has {w.shape[0]} rows"
        )
    if b.shape != (w.shape[1],):
        raise ValueError(f"b has shape {b.shape}; w has {w.shape[1]} columns, so ({w.shape[1]},)")
    out = x.reshape(x.shape[0], d).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The affine layer's gradients.

    Args:
        dout: upstream gradient, shape (N, M).
        cache: (x, w, b) from affine_forward.

    Returns:
        (dx, dw, db) of shapes (N, d_1, ..., d_k), (D, M), (M,).
    """
    x, w, _ = cache
    dout = _array("dout", dout, 2)
    if dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(
            f"dout has shape {dout.shape}; the forward output had {(x.shape[0], w.shape[1])}"
        )
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], w.shape[0]).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max(0, x) elementwise.

    Args:
        x: inputs, any shape.

    Returns:
        (out, cache): out of x's shape; cache x.
    """
    x = _array("x", x)
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """The gradient passes where the input was > 0.

    Args:
        dout: upstream gradient, the input's shape.
        cache: x from relu_forward.

    Returns:
        dx, x's shape.
    """
    x = cache
    dout = _array("dout", dout)
    _same_shape("dout", dout, "relu's input", x)
    return np.where(x > 0, dout, np.zeros((), dtype=dout.dtype))


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, tuple]:
    """Batch normalisation: each feature normalised over the batch, then scaled and shifted.

    In 'train' mode the batch's mean and (biased) variance are used and the running
    averages ``running = momentum * running + (1 - momentum) * batch`` updated in
    ``bn_param`` (created as zeros on first use); in 'test' mode the running ones.

    Args:
        x: data, shape (N, D).
        gamma: scales, shape (D,).
        beta: shifts, shape (D,).
        bn_param: 'mode' ('train' or 'test', required), 'eps' (default 1e-5),
            'momentum' (default 0.9), 'running_mean' and 'running_var' (shape (D,)).

    Returns:
        (out, cache): out of shape (N, D); cache (mode, x_hat, gamma, xc, std) with
        x_hat (N, D) the normalised data, xc (N, D) the centred data and std (D,)
        sqrt(var + eps) (the running variance's in test mode).
    """
    x = _array("x", x, 2)
    n, d = x.shape
    if n == 0:
        raise ValueError("x has no samples (shape (0, D))")
    gamma = _check_features("gamma", gamma, d)
    beta = _check_features("beta", beta, d)
    _check_keys("bn_param", bn_param, BN_PARAM_KEYS)
    mode = _check_mode("bn_param", bn_param)
    eps = check_positive("bn_param['eps']", bn_param.get("eps", NORM_EPS))
    momentum = check_real("bn_param['momentum']", bn_param.get("momentum", BATCHNORM_MOMENTUM))
    if not 0 <= momentum <= 1:
        raise ValueError(f"bn_param['momentum'] must be in [0, 1], got {momentum}")
    running_mean = bn_param.get("running_mean", np.zeros(d, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(d, dtype=x.dtype))
    running_mean = _check_features("bn_param['running_mean']", running_mean, d)
    running_var = _check_features("bn_param['running_var']", running_var, d)
    if mode == "train":
        mean = np.sum(x, axis=0) / n
        xc = x - mean
        var = np.sum(xc * xc, axis=0) / n
        std = np.sqrt(var + eps)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        xc = x - running_mean
        std = np.sqrt(running_var + eps)
    x_hat = xc / std
    out = gamma * x_hat + beta
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (mode, x_hat, gamma, xc, std)


def _check_norm_dout(dout: object, cache: tuple) -> np.ndarray:
    dout = _array("dout", dout, 2)
    _same_shape("dout", dout, "the forward output", cache[1])
    return dout


def batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch normalisation's gradients, step by step back through its graph.

    Args:
        dout: upstream gradient, shape (N, D).
        cache: from batchnorm_forward.

    Returns:
        (dx, dgamma, dbeta) of shapes (N, D), (D,), (D,).

    Notes:
        The graph: mean, xc = x - mean, var = mean(xc**2), std = sqrt(var + eps),
        x_hat = xc / std, out = gamma * x_hat + beta. Back through it: d x_hat, then
        the direct path to xc, the path through std and var (dvar = -sum(dx_hat * xc)
        / std**2 / (2 std)), and the path through the mean. A test-mode cache (fixed
        statistics) gives dx = dout * gamma / std.
    """
    mode, x_hat, gamma, xc, std = cache
    dout = _check_norm_dout(dout, cache)
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dxc = dx_hat / std
    if mode == "test":
        return dxc, dgamma, dbeta
    dstd = -np.sum(dx_hat * xc, axis=0) / (std * std)
    dvar = 0.5 * dstd / std
    dxc += (2.0 / n) * xc * dvar
    dmean = np.sum(dxc, axis=0)
    dx = dxc - dmean / n
    return dx, dgamma, dbeta


def batchnorm_backward_alt(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch normalisation's gradients in one simplified expression.

    Args:
        dout: upstream gradient, shape (N, D).
        cache: from batchnorm_forward.

    Returns:
        (dx, dgamma, dbeta) of shapes (N, D), (D,), (D,).

    Notes:
        Simplifying the graph of batchnorm_backward gives
        dx = (N dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)) / (N std), sums over
        the batch; equal to it up to rounding.
    """
    mode, x_hat, gamma, _, std = cache
    dout = _check_norm_dout(dout, cache)
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    dx = (n * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (n * std)
    return dx, dgamma, dbeta


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict[str, Any]
) -> tuple[np.ndarray, tuple]:
    """Layer normalisation: each sample normalised over its features, then each
    feature scaled and shifted; the same in training and at test time.

    Args:
        x: data, shape (N, D).
        gamma: scales, shape (D,).
        beta: shifts, shape (D,).
        ln_param: 'eps' (default 1e-5); a 'mode' is accepted and changes nothing.

    Returns:
        (out, cache): out of shape (N, D); cache ("train", x_hat, gamma, xc, std) with
        x_hat and xc (N, D) and std (N, 1) each sample's sqrt(var + eps).
    """
    x = _array("x", x, 2)
    n, d = x.shape
    if n == 0:
        raise ValueError("x has no samples (shape (0, D))")
    gamma = _check_features("gamma", gamma, d)
    beta = _check_features("beta", beta, d)
    _check_keys("ln_param", ln_param, LN_PARAM_KEYS)
    _check_mode("ln_param", ln_param, "train")
    eps = check_positive("ln_param['eps']", ln_param.get("eps", NORM_EPS))
    mean = np.sum(x, axis=1, keepdims=True) / d
    xc = x - mean
    var = np.sum(xc * xc, axis=1, keepdims=True) / d
    std = np.sqrt(var + eps)
    x_hat = xc / std
    out = gamma * x_hat + beta
    return out, ("train", x_hat, gamma, xc, std)


def layernorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Layer normalisation's gradients.

    Args:
        dout: upstream gradient, shape (N, D).
        cache: from layernorm_forward.

    Returns:
        (dx, dgamma, dbeta) of shapes (N, D), (D,), (D,).

    Notes:
        batchnorm_backward_alt's expression with the roles of the axes swapped: the
        statistics are over each sample's D features.
    """
    _, x_hat, gamma, _, std = cache
    dout = _check_norm_dout(dout, cache)
    d = dout.shape[1]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (
        d * dx_hat
        - np.sum(dx_hat, axis=1, keepdims=True)
        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)
    ) / (d * std)
    return dx, dgamma, dbeta


def dropout_forward(x: np.ndarray, dropout_param: dict[str, Any]) -> tuple[np.ndarray, tuple]:
    """Inverted dropout: in training each unit is kept with probability ``p`` and
    scaled by 1/p; at test time the input passes unchanged.

    Args:
        x: inputs, any shape.
        dropout_param: 'p' (the keep probability, in (0, 1], required), 'mode'
            ('train' or 'test', required), 'seed' (if given, numpy's global stream is
            seeded with it first, in either mode).

    Returns:
        (out, cache): out of x's shape and dtype; cache (dropout_param, mask), a copy
        of the dictionary and the mask (x's shape, 0 or 1/p) or None in test mode.

    Notes:
        One ``np.random.rand(*x.shape)`` per training pass; a unit is kept where its
        draw is < p.
    """
    x = _array("x", x)
    _check_keys("dropout_param", dropout_param, DROPOUT_PARAM_KEYS)
    if "p" not in dropout_param:
        raise ValueError("dropout_param needs 'p', the probability of keeping a unit")
    p = check_real("dropout_param['p']", dropout_param["p"])
    if not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] is the keep probability, in (0, 1], got {p}")
    mode = _check_mode("dropout_param", dropout_param)
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = (x * mask).astype(x.dtype, copy=False)
    else:
        out = x
    return out, (dict(dropout_param, mode=mode), mask)


def dropout_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Dropout's gradient: through the kept units, scaled as in the forward pass.

    Args:
        dout: upstream gradient, the input's shape.
        cache: (dropout_param, mask) from dropout_forward.

    Returns:
        dx, dout's shape.
    """
    dropout_param, mask = cache
    dout = _array("dout", dout)
    if dropout_param["mode"] == "test":
        return dout
    _same_shape("dout", dout, "the dropout mask", mask)
    return (dout * mask).astype(dout.dtype, copy=False)


def _check_scores_and_labels(x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    x = _array("x", x, 2)
    y = _array("y", y, 1)
    n, c = x.shape
    if n == 0:
        raise ValueError("x has no samples (shape (0, C))")
    if y.shape != (n,):
        raise ValueError(f"y has {y.shape[0]} labels for {n} samples")
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels, not dtype {y.dtype}")
    if y.min() < 0 or y.max() >= c:
        raise ValueError(f"y must be class indices in [0, {c}), got {y.min()}..{y.max()}")
    return x, y


def svm_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The multiclass SVM (hinge) loss with margin 1, averaged over the samples.

    Args:
        x: scores, shape (N, C).
        y: labels, shape (N,), each in [0, C).

    Returns:
        (loss, dx): a float and the gradient of shape (N, C).
    """
    x, y = _check_scores_and_labels(x, y)
    n = x.shape[0]
    rows = np.arange(n)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0
    loss = np.sum(margins) / n
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] -= np.sum(dx, axis=1)
    dx /= n
    return loss, dx


def softmax_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax followed by the cross-entropy, averaged over the samples.

    Args:
        x: scores, shape (N, C).
        y: labels, shape (N,), each in [0, C).

    Returns:
        (loss, dx): a float and the gradient of shape (N, C).

    Notes:
        Computed from the scores shifted by each row's maximum, in log space:
        log p = shifted - log(sum(exp(shifted))), so no probability underflows to a
        log of zero.
    """
    x, y = _check_scores_and_labels(x, y)
    n = x.shape[0]
    rows = np.arange(n)
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(log_probs[rows, y]) / n
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= n
    return loss, dx
