"""The parity scenarios of CS231n's assignment 2 (pyref.cs231n against PyRef.CS231n):
each layer pair, each sandwich, both losses, each update rule over several steps,
both nets' loss and gradients, and a short Solver run with batch normalisation and
dropout: the section ``cs231n``.

Each function here has a twin of the same name in
``julia/src/parity/cs231n_scenarios.jl`` (``PyRef.CS231nScenarios``). As the
assignment does, every scenario draws from numpy's global stream, seeded first with
``np.random.seed(seed)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pyref.cs231n import layer_utils, layers, optim
from pyref.cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from pyref.cs231n.solver import Solver
from pyref.parity.scenario import Scenario
from pyref.parity.tiers import CLOSE, close, trajectory

#: The sandwich layers by name: (forward, backward, normalisation param or None).
SANDWICHES = {
    "affine_relu": (layer_utils.affine_relu_forward, layer_utils.affine_relu_backward, None),
    "affine_bn_relu": (
        layer_utils.affine_bn_relu_forward,
        layer_utils.affine_bn_relu_backward,
        "train",
    ),
    "affine_ln_relu": (
        layer_utils.affine_ln_relu_forward,
        layer_utils.affine_ln_relu_backward,
        "any",
    ),
}


def cs231n_affine(*, seed: int, shape: Sequence[int], d_out: int) -> dict[str, Any]:
    """affine_forward/backward on x of ``shape`` (N, d_1, ..., d_k)."""
    np.random.seed(seed)
    x = np.random.randn(*shape)
    w = np.random.randn(int(np.prod(shape[1:])), d_out)
    b = np.random.randn(d_out)
    dout = np.random.randn(shape[0], d_out)
    out, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    return {"out": out, "dx": dx, "dw": dw, "db": db}


def cs231n_relu(*, seed: int, n: int, d: int) -> dict[str, Any]:
    """relu_forward/backward."""
    np.random.seed(seed)
    x = np.random.randn(n, d)
    dout = np.random.randn(n, d)
    out, cache = layers.relu_forward(x)
    return {"out": out, "dx": layers.relu_backward(dout, cache)}


def cs231n_batchnorm(*, seed: int, n: int, d: int, passes: int, momentum: float) -> dict[str, Any]:
    """``passes`` training passes (running averages), both backward forms, then a
    test-mode pass and its backward."""
    np.random.seed(seed)
    gamma, beta = np.random.randn(d), np.random.randn(d)
    bn_param: dict[str, Any] = {"mode": "train", "momentum": momentum}
    out: dict[str, Any] = {}
    for _ in range(passes):
        x = 5 * np.random.randn(n, d) + 12
        dout = np.random.randn(n, d)
        out["out"], cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
        out["dx"], out["dgamma"], out["dbeta"] = layers.batchnorm_backward(dout, cache)
        out["dx_alt"], out["dgamma_alt"], out["dbeta_alt"] = layers.batchnorm_backward_alt(
            dout, cache
        )
    out["running_mean"], out["running_var"] = bn_param["running_mean"], bn_param["running_var"]
    bn_param["mode"] = "test"
    x = 5 * np.random.randn(n, d) + 12
    out["out_test"], cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    out["dx_test"], _, _ = layers.batchnorm_backward(np.random.randn(n, d), cache)
    return out


def cs231n_layernorm(*, seed: int, n: int, d: int) -> dict[str, Any]:
    """layernorm_forward/backward."""
    np.random.seed(seed)
    x = 5 * np.random.randn(n, d) + 12
    gamma, beta, dout = np.random.randn(d), np.random.randn(d), np.random.randn(n, d)
    out, cache = layers.layernorm_forward(x, gamma, beta, {})
    dx, dgamma, dbeta = layers.layernorm_backward(dout, cache)
    return {"out": out, "dx": dx, "dgamma": dgamma, "dbeta": dbeta, "std": cache[4]}


def cs231n_dropout(*, seed: int, n: int, d: int, p: float, dropout_seed: int) -> dict[str, Any]:
    """Dropout in training (from the stream, then seeded) and at test time."""
    np.random.seed(seed)
    x = np.random.randn(n, d) + 10
    dout = np.random.randn(n, d)
    out, cache = layers.dropout_forward(x, {"mode": "train", "p": p})
    seeded, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": dropout_seed})
    test, test_cache = layers.dropout_forward(x, {"mode": "test", "p": p})
    return {
        "out": out,
        "mask": cache[1],
        "dx": layers.dropout_backward(dout, cache),
        "out_seeded": seeded,
        "after_seed": np.random.randn(3),
        "out_test": test,
        "dx_test": layers.dropout_backward(dout, test_cache),
    }


def cs231n_losses(*, seed: int, n: int, classes: int) -> dict[str, Any]:
    """svm_loss and softmax_loss, each loss and dx."""
    np.random.seed(seed)
    x = np.random.randn(n, classes)
    y = np.random.randint(classes, size=n)
    svm, dsvm = layers.svm_loss(x, y)
    soft, dsoft = layers.softmax_loss(x, y)
    return {"svm_loss": svm, "svm_dx": dsvm, "softmax_loss": soft, "softmax_dx": dsoft}


def cs231n_sandwich(*, kind: str, seed: int, n: int, d_in: int, d_out: int) -> dict[str, Any]:
    """A sandwich layer's forward and every gradient."""
    forward, backward, norm = SANDWICHES[kind]
    np.random.seed(seed)
    x, w, b = np.random.randn(n, d_in), np.random.randn(d_in, d_out), np.random.randn(d_out)
    extra = []
    if norm is not None:
        extra = [
            np.random.randn(d_out),
            np.random.randn(d_out),
            {"mode": "train"} if norm == "train" else {},
        ]
    dout = np.random.randn(n, d_out)
    out, cache = forward(x, w, b, *extra)
    names = ("dx", "dw", "db", "dgamma", "dbeta")
    return {"out": out, **dict(zip(names, backward(dout, cache)))}


def cs231n_update_rule(
    *, rule: str, config: dict[str, Any], seed: int, steps: int, shape: Sequence[int]
) -> dict[str, Any]:
    """``steps`` updates of one rule on drawn gradients: w after each step, the final state."""
    update = getattr(optim, rule)
    np.random.seed(seed)
    w = np.random.randn(*shape)
    config = dict(config)
    trail = []
    for _ in range(steps):
        w, config = update(w, np.random.randn(*shape), config)
        trail.append(w)
    state = {k: config[k] for k in optim.STATE_KEYS[rule]}
    return {"w": np.stack(trail), "state": state}


def cs231n_two_layer_net(
    *, seed: int, n: int, d: int, h: int, c: int, reg: float
) -> dict[str, Any]:
    """TwoLayerNet: initial weights, scores, loss and gradients."""
    np.random.seed(seed)
    X = np.random.randn(n, d)
    y = np.random.randint(c, size=n)
    model = TwoLayerNet(input_dim=d, hidden_dim=h, num_classes=c, weight_scale=1e-1, reg=reg)
    initial = {k: v.copy() for k, v in model.params.items()}
    loss, grads = model.loss(X, y)
    return {"initial": initial, "scores": model.loss(X), "loss": loss, "grads": grads}


def cs231n_fc_net(
    *,
    seed: int,
    shape: Sequence[int],
    hidden_dims: Sequence[int],
    c: int,
    reg: float,
    dropout: float,
    normalization: str | None,
    dropout_seed: int | None,
) -> dict[str, Any]:
    """FullyConnectedNet (float64): initial weights, training loss and gradients
    (twice: the running averages move), then test-mode scores."""
    np.random.seed(seed)
    X = np.random.randn(*shape)
    y = np.random.randint(c, size=shape[0])
    model = FullyConnectedNet(
        list(hidden_dims),
        input_dim=int(np.prod(shape[1:])),
        num_classes=c,
        dropout=dropout,
        normalization=normalization,
        reg=reg,
        weight_scale=5e-2,
        dtype=np.float64,
        seed=dropout_seed,
    )
    initial = {k: v.copy() for k, v in model.params.items()}
    loss, grads = model.loss(X, y)
    loss2, grads2 = model.loss(X, y)
    return {
        "initial": initial,
        "loss": [loss, loss2],
        "grads": grads,
        "grads2": grads2,
        "scores": model.loss(X),
    }


def cs231n_solver(
    *,
    seed: int,
    n_train: int,
    n_val: int,
    shape: Sequence[int],
    hidden_dims: Sequence[int],
    normalization: str | None,
    dropout: float,
    solver: dict[str, Any],
) -> dict[str, Any]:
    """A short Solver run of a FullyConnectedNet on drawn data: the histories, the
    best parameters and the running averages."""
    np.random.seed(seed)
    data = {
        "X_train": 30 * np.random.randn(n_train, *shape),
        "y_train": np.random.randint(10, size=n_train),
        "X_val": 30 * np.random.randn(n_val, *shape),
        "y_val": np.random.randint(10, size=n_val),
    }
    model = FullyConnectedNet(
        list(hidden_dims),
        input_dim=int(np.prod(shape)),
        dropout=dropout,
        normalization=normalization,
        weight_scale=5e-2,
        dtype=np.float64,
    )
    run = Solver(model, data, verbose=False, **solver)
    run.train()
    return {
        "loss_history": np.asarray(run.loss_history),
        "train_acc_history": np.asarray(run.train_acc_history),
        "val_acc_history": np.asarray(run.val_acc_history),
        "params": dict(model.params),
        "running_mean": {f"bn{i}": p["running_mean"] for i, p in enumerate(model.bn_params, 1)},
    }


#: The Julia module that holds the twins of this file's scenario functions.
_JULIA_TWINS = "PyRef.CS231nScenarios."
SECTION = "cs231n"
#: Products through BLAS: close in Julia's own BLAS, exact in numpy's.
_TRAINED = {
    "loss_history": trajectory(1e-9),
    "train_acc_history": trajectory(0.0),
    "val_acc_history": trajectory(0.0),
    "params": close(1e-9),
    "running_mean": close(1e-9),
    # The biases before batch normalisation: zero mathematically; Adam turns their
    # noise gradients (~1e-17) into steps of up to lr·g/epsilon, ~1e-11 each.
    "params/b1": close(1e-9, atol=1e-10),
    "params/b2": close(1e-9, atol=1e-10),
}

#: The gradients of the biases before batch normalisation: zero mathematically,
#: rounding noise numerically (Julia's own BLAS rounds the noise otherwise).
NOISE = close(atol=1e-15)
_BN_BIASES = {f"{g}/b{i}": NOISE for g in ("grads", "grads2") for i in (1, 2, 3)}

#: Each update rule's config in the rule scenarios.
UPDATE_RULE_CONFIGS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.95},
    "adam": {"learning_rate": 1e-2, "beta1": 0.8},
}


def _scenario(name: str, fn, kwargs: dict[str, Any], description: str, tiers=None) -> Scenario:
    return Scenario(
        f"cs231n-{name}",
        fn,
        _JULIA_TWINS + fn.__name__,
        kwargs=kwargs,
        tiers=tiers or {},
        section=SECTION,
        description=description,
    )


def cs231n_suite() -> list[Scenario]:
    """The section ``cs231n`` of the built-in suite, in order."""
    blas = {"out": CLOSE, "dx": CLOSE, "dw": CLOSE}
    net = {"scores": CLOSE, "loss": close(1e-10), "grads": CLOSE, "grads2": CLOSE}
    suite = [
        _scenario("affine", cs231n_affine, {"seed": 231, "shape": [10, 2, 3], "d_out": 5},
                  "affine_forward/backward on (N, 2, 3) inputs", blas),
        _scenario("relu", cs231n_relu, {"seed": 232, "n": 10, "d": 12}, "relu_forward/backward"),
        _scenario("batchnorm", cs231n_batchnorm, {"seed": 233, "n": 16, "d": 7, "passes": 4, "momentum": 0.8},
                  "batchnorm train passes (running averages), backward and _alt, test mode"),
        _scenario("layernorm", cs231n_layernorm, {"seed": 234, "n": 6, "d": 9}, "layernorm_forward/backward"),
        _scenario("dropout", cs231n_dropout, {"seed": 235, "n": 20, "d": 30, "p": 0.3, "dropout_seed": 123},
                  "inverted dropout: drawn mask, seeded mask, test mode"),
        _scenario("losses", cs231n_losses, {"seed": 236, "n": 40, "classes": 10}, "svm_loss and softmax_loss"),
    ]  # fmt: skip
    for k, kind in enumerate(SANDWICHES):
        suite.append(
            _scenario(
                f"sandwich-{kind.replace('_', '-')}",
                cs231n_sandwich,
                {"kind": kind, "seed": 240 + k, "n": 8, "d_in": 6, "d_out": 5},
                f"{kind}_forward/backward",
                {
                    "out": CLOSE,
                    "dx": CLOSE,
                    "dw": CLOSE,
                    "db": NOISE if kind == "affine_bn_relu" else CLOSE,
                    "dgamma": CLOSE,
                    "dbeta": CLOSE,
                },
            )
        )
    for k, (rule, config) in enumerate(UPDATE_RULE_CONFIGS.items()):
        suite.append(
            Scenario(
                f"cs231n-optim-{rule.replace('_', '-')}",
                cs231n_update_rule,
                _JULIA_TWINS + "cs231n_update_rule",
                kwargs={
                    "rule": rule,
                    "config": config,
                    "seed": 250 + k,
                    "steps": 12,
                    "shape": [4, 5],
                },
                section=SECTION,
                step_axis={"w": 0},
                description=f"{rule}: 12 steps on drawn gradients",
            )
        )
    suite += [
        _scenario("two-layer-net", cs231n_two_layer_net, {"seed": 260, "n": 5, "d": 12, "h": 9, "c": 4, "reg": 0.3},
                  "TwoLayerNet: weights, scores, loss and gradients", net),
        _scenario("fc-net", cs231n_fc_net,
                  {"seed": 261, "shape": [6, 2, 5], "hidden_dims": [8, 7], "c": 5, "reg": 0.2, "dropout": 1,
                   "normalization": None, "dropout_seed": None},
                  "FullyConnectedNet, three layers, L2", net),
        _scenario("fc-net-batchnorm-dropout", cs231n_fc_net,
                  {"seed": 262, "shape": [6, 10], "hidden_dims": [8, 7, 6], "c": 5, "reg": 0.1, "dropout": 0.6,
                   "normalization": "batchnorm", "dropout_seed": None},
                  "FullyConnectedNet with batchnorm and dropout (masks from the stream)",
                  {**net, **_BN_BIASES}),
        _scenario("fc-net-layernorm-dropout", cs231n_fc_net,
                  {"seed": 263, "shape": [6, 10], "hidden_dims": [8, 7], "c": 5, "reg": 0.0, "dropout": 0.75,
                   "normalization": "layernorm", "dropout_seed": 123},
                  "FullyConnectedNet with layernorm and seeded dropout", net),
        _scenario("solver", cs231n_solver,
                  {"seed": 264, "n_train": 40, "n_val": 20, "shape": [3, 4, 4], "hidden_dims": [20, 10],
                   "normalization": "batchnorm", "dropout": 0.8,
                   "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 5e-3}, "lr_decay": 0.9,
                              "batch_size": 8, "num_epochs": 3, "num_train_samples": 16, "num_val_samples": 10}},
                  "Solver: batchnorm and dropout, adam, lr decay, subsampled accuracy checks", _TRAINED),
    ]  # fmt: skip
    return suite
