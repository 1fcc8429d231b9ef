"""Sandwich layers: an affine layer, an optional normalisation and a ReLU as one
forward/backward pair, their caches the tuples of the layers inside."""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.cs231n.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
)


def affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """affine, then ReLU.

    Args:
        x: inputs, shape (N, d_1, ..., d_k), D = d_1 * ... * d_k.
        w: weights, shape (D, M).
        b: biases, shape (M,).

    Returns:
        (out, cache): out of shape (N, M); cache (affine cache, relu cache).
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of affine_relu_forward.

    Args:
        dout: upstream gradient, shape (N, M).
        cache: from affine_relu_forward.

    Returns:
        (dx, dw, db) of shapes (N, d_1, ..., d_k), (D, M), (M,).
    """
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


def affine_bn_relu_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    bn_param: dict[str, Any],
) -> tuple[np.ndarray, tuple]:
    """affine, batch normalisation, ReLU.

    Args:
        x: inputs, shape (N, d_1, ..., d_k), D = d_1 * ... * d_k.
        w: weights, shape (D, M).
        b: biases, shape (M,).
        gamma: scales, shape (M,).
        beta: shifts, shape (M,).
        bn_param: as batchnorm_forward's (its running averages are updated).

    Returns:
        (out, cache): out of shape (N, M); cache (affine, batchnorm, relu caches).
    """
    a, fc_cache = affine_forward(x, w, b)
    an, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_bn_relu_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """The gradients of affine_bn_relu_forward.

    Args:
        dout: upstream gradient, shape (N, M).
        cache: from affine_bn_relu_forward.

    Returns:
        (dx, dw, db, dgamma, dbeta) of shapes (N, d_1, ..., d_k), (D, M), (M,), (M,), (M,).
    """
    fc_cache, bn_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(dan, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def affine_ln_relu_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    ln_param: dict[str, Any],
) -> tuple[np.ndarray, tuple]:
    """affine, layer normalisation, ReLU.

    Args:
        x: inputs, shape (N, d_1, ..., d_k), D = d_1 * ... * d_k.
        w: weights, shape (D, M).
        b: biases, shape (M,).
        gamma: scales, shape (M,).
        beta: shifts, shape (M,).
        ln_param: as layernorm_forward's.

    Returns:
        (out, cache): out of shape (N, M); cache (affine, layernorm, relu caches).
    """
    a, fc_cache = affine_forward(x, w, b)
    an, ln_cache = layernorm_forward(a, gamma, beta, ln_param)
    out, relu_cache = relu_forward(an)
    return out, (fc_cache, ln_cache, relu_cache)


def affine_ln_relu_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """The gradients of affine_ln_relu_forward.

    Args:
        dout: upstream gradient, shape (N, M).
        cache: from affine_ln_relu_forward.

    Returns:
        (dx, dw, db, dgamma, dbeta) of shapes (N, d_1, ..., d_k), (D, M), (M,), (M,), (M,).
    """
    fc_cache, ln_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = layernorm_backward(dan, ln_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
