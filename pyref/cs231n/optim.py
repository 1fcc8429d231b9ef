"""The assignment's update rules: ``rule(w, dw, config=None) -> (next_w, config)``.

``config`` holds the rule's settings (the assignment's keys and defaults, filled in
when missing) and its state (``velocity``, ``cache``, ``m``/``v``/``t``), which the
returned config carries to the next step. ``w`` is not changed: next_w is a new
array. The arithmetic is that of pyref.optimizers' kernels (the book's Momentum,
RMSprop and the paper's Adam), run on copies.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from pyref.checks import check_array, check_nonnegative_int, check_positive, check_real
from pyref.optimizers import _adam_paper, _momentum, _rmsprop, _sgd

#: Each rule's settings and their defaults, then its state's keys.
DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STATE_KEYS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "sgd_momentum": ("velocity",),
    "rmsprop": ("cache",),
    "adam": ("m", "v", "t"),
}

#: The names the Solver takes as update_rule.
UPDATE_RULES = tuple(DEFAULTS)


def _unit(name: str, value: object) -> float:
    out = check_real(name, value)
    if not 0 <= out < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return out


#: How each setting is checked.
_SETTING_CHECKS: dict[str, Callable[[str, object], float]] = {
    "learning_rate": check_positive,
    "momentum": _unit,
    "decay_rate": _unit,
    "beta1": _unit,
    "beta2": _unit,
    "epsilon": check_positive,
}


def _config(
    rule: str, w: object, dw: object, config: dict | None
) -> tuple[np.ndarray, np.ndarray, dict]:
    """w and dw checked, and config with the rule's defaults filled in, every key known
    and every setting valid."""
    w = check_array("w", w, finite=False)
    dw = check_array("dw", dw, finite=False)
    if dw.shape != w.shape:
        raise ValueError(f"dw has shape {dw.shape}, w has {w.shape}")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict or None, not {type(config).__name__}")
    known = (*DEFAULTS[rule], *STATE_KEYS[rule])
    for key in config:
        if key not in known:
            raise ValueError(
                f"config has a key {key!r} that {rule} does not use; its keys: {', '.join(known)}"
            )
    for key, default in DEFAULTS[rule].items():
        config.setdefault(key, default)
        _SETTING_CHECKS[key](f"config[{key!r}]", config[key])
    return w, dw, config


def _state(config: dict, key: str, w: np.ndarray) -> np.ndarray:
    """A copy of the state array ``config[key]`` (zeros like w when missing)."""
    if key not in config:
        return np.zeros_like(w)
    s = check_array(f"config[{key!r}]", config[key], finite=False)
    if s.shape != w.shape:
        raise ValueError(f"config[{key!r}] has shape {s.shape}, w has {w.shape}")
    return s.copy()


def sgd(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    Args:
        w: weights, any shape.
        dw: their gradient, w's shape.
        config: 'learning_rate' (default 1e-2).

    Returns:
        (next_w, config): next_w of w's shape; config with its defaults filled in.
    """
    w, dw, config = _config("sgd", w, dw, config)
    return _sgd(w.copy(), dw, config["learning_rate"]), config


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None):
    """SGD with momentum: v = momentum * v - learning_rate * dw; next_w = w + v.

    Args:
        w: weights, any shape.
        dw: their gradient, w's shape.
        config: 'learning_rate' (default 1e-2), 'momentum' (0.9), 'velocity'
            (w's shape; zeros when missing).

    Returns:
        (next_w, config): next_w of w's shape; config with the new velocity.
    """
    w, dw, config = _config("sgd_momentum", w, dw, config)
    v = _state(config, "velocity", w)
    next_w = _momentum(w.copy(), dw, v, config["learning_rate"], config["momentum"])
    config["velocity"] = v
    return next_w, config


def rmsprop(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None):
    """RMSProp: cache = decay_rate * cache + (1 - decay_rate) * dw**2;
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).

    Args:
        w: weights, any shape.
        dw: their gradient, w's shape.
        config: 'learning_rate' (default 1e-2), 'decay_rate' (0.99), 'epsilon'
            (1e-8), 'cache' (w's shape; zeros when missing).

    Returns:
        (next_w, config): next_w of w's shape; config with the new cache.
    """
    w, dw, config = _config("rmsprop", w, dw, config)
    cache = _state(config, "cache", w)
    next_w = _rmsprop(
        w.copy(), dw, cache, config["learning_rate"], config["decay_rate"], config["epsilon"]
    )
    config["cache"] = cache
    return next_w, config


def adam(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None):
    """Adam with bias correction; the step count t is incremented first.

    Args:
        w: weights, any shape.
        dw: their gradient, w's shape.
        config: 'learning_rate' (default 1e-3), 'beta1' (0.9), 'beta2' (0.999),
            'epsilon' (1e-8), 'm' and 'v' (w's shape; zeros when missing), 't' (0).

    Returns:
        (next_w, config): next_w of w's shape; config with the new m, v and t.

    Notes:
        t += 1; m = beta1 m + (1 - beta1) dw; v = beta2 v + (1 - beta2) dw**2;
        next_w = w - learning_rate (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + epsilon).
    """
    w, dw, config = _config("adam", w, dw, config)
    m = _state(config, "m", w)
    v = _state(config, "v", w)
    t = check_nonnegative_int("config['t']", config.get("t", 0)) + 1
    b1, b2 = config["beta1"], config["beta2"]
    next_w = _adam_paper(
        w.copy(), dw, m, v, config["learning_rate"], 1 - b1**t, 1 - b2**t, b1, b2, config["epsilon"]
    )
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
