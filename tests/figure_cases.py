"""Hand-made results for the image tests of pyref.figures (tests/test_figures.py) and
their baselines (tools/figure_baselines.py): shaped like each experiment's result,
made from fixed numbers and a seeded generator, never from a training run, so that a
figure's test is fast and changes only when its drawing code does.

``CASES`` maps a baseline's name to a function returning the figure it shows.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from matplotlib.figure import Figure

from pyref.experiments import fitted_histogram, optimizer_compare_naive
from pyref.experiments.registry import EXPERIMENTS
from pyref.study.figures import history_figure, parallel_figure
from pyref.study.space import parse_space

#: The dots per inch of the baselines: small files, still legible when a test fails.
DPI = 50


def _decay(n: int, start: float, end: float, rate: float, wiggle: float, seed: int) -> list:
    r = np.random.RandomState(seed)
    x = np.arange(n)
    return list(end + (start - end) * np.exp(-rate * x) + wiggle * r.randn(n))


def _rise(n: int, top: float, rate: float, seed: int, wiggle: float = 0.01) -> list:
    r = np.random.RandomState(seed)
    x = np.arange(n)
    return list(np.clip(0.1 + (top - 0.1) * (1 - np.exp(-rate * x)) + wiggle * r.randn(n), 0, 1))


def _julia(result: Any, shift: float = 0.0) -> Any:
    """A stand-in for Julia's result: the same numbers, shifted a little so that the
    overlay's circles are seen apart from Python's lines."""
    if isinstance(result, dict):  # the settings (weight scales, lr) are the same
        return {
            k: v if k in ("weight_scales", "lr", "weight_decay") else _julia(v, shift)
            for k, v in result.items()
        }
    if isinstance(result, list) and result and isinstance(result[0], float):
        return [v + shift for v in result]
    if isinstance(result, list):
        return [_julia(v, shift) for v in result]
    return result


def neuralnet() -> dict[str, Any]:
    images = np.zeros((6, 28, 28))
    for i in range(6):  # bars of different slants stand in for digits
        for r in range(6, 22):
            c = 8 + i * 2 + (r - 6) * (i - 2) // 6
            images[i, r, max(0, c) : max(0, c) + 3] = 1.0
    return {
        "accuracy": 0.9352,
        "weights": "trained here for 10 epochs (the book's weights not given)",
        "test_samples": 1000,
        "images": images,
        "labels": [1, 7, 1, 4, 1, 9],
        "predicted": [1, 7, 7, 4, 1, 4],
    }


def descent() -> dict[str, Any]:
    path = np.array([[-3.0, 4.0]]) * 0.8 ** np.arange(20)[:, None]
    return {
        "init_x": [-3.0, 4.0],
        "lr": 0.1,
        "step_num": 20,
        "x_history": path,
        "x": path[-1] * 0.8,
    }


def two_layer() -> dict[str, Any]:
    return {
        "gradient": "backprop",
        "iters_num": 400,
        "batch_size": 100,
        "train_loss": _decay(400, 2.3, 0.3, 0.02, 0.05, 77),
        "train_acc": _rise(10, 0.93, 0.5, 78),
        "test_acc": _rise(10, 0.91, 0.5, 79),
    }


def two_layer_check() -> dict[str, Any]:
    return {
        "diff": {"W1": 4.3e-10, "b1": 2.6e-09, "W2": 5.1e-09, "b2": 1.4e-07},
        "samples": 3,
    }


def naive() -> dict[str, Any]:
    return optimizer_compare_naive()  # plain arithmetic on floats: no randomness, no training


def mnist_compare() -> dict[str, Any]:
    return {
        "iterations": 200,
        "batch_size": 128,
        "train_loss": {
            "SGD": _decay(200, 2.3, 1.9, 0.01, 0.02, 1),  # never enters the 0-1 range
            "Momentum": _decay(200, 2.3, 0.3, 0.05, 0.03, 2),
            "AdaGrad": _decay(200, 2.3, 0.15, 0.1, 0.03, 3),
            "Adam": _decay(200, 2.3, 0.2, 0.08, 0.03, 4),
        },
    }


def weight_init() -> dict[str, Any]:
    return {
        "iterations": 200,
        "batch_size": 128,
        "train_loss": {
            "std=0.01": _decay(200, 2.3, 2.3, 0.01, 0.01, 5),
            "Xavier": _decay(200, 2.3, 0.4, 0.05, 0.03, 6),
            "He": _decay(200, 2.3, 0.25, 0.08, 0.03, 7),
        },
    }


def histogram() -> dict[str, Any]:
    r = np.random.RandomState(8)
    layers, bins = 3, 20
    edges = list(np.linspace(0, 1, bins + 1))
    shapes = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
    }
    counts: dict = {}
    fitted: dict = {}
    stats: dict = {}
    for act, f in shapes.items():
        counts[act], fitted[act], stats[act] = {}, {}, {}
        for init, scale in (("std=1", 4.0), ("Xavier", 1.0)):
            a = np.stack([f(r.randn(50, 40) * scale * (1 + layer)) for layer in range(layers)])
            counts[act][init] = [list(np.histogram(x, bins, range=(0, 1))[0]) for x in a]
            fitted[act][init] = fitted_histogram(act, a, bins)
            stats[act][init] = {"mean": list(a.mean(axis=(1, 2))), "std": list(a.std(axis=(1, 2)))}
    return {"edges": edges, "counts": counts, "stats": stats, "fitted": fitted}


def batch_norm() -> dict[str, Any]:
    scales = list(np.logspace(0, -4, 6))
    return {
        "weight_scales": scales,
        "bn_train_acc": [_rise(10, 0.9 - 0.05 * i, 0.4, 10 + i) for i in range(6)],
        "train_acc": [
            _rise(10, t, 0.3, 20 + i) for i, t in enumerate((0.1, 0.8, 0.9, 0.3, 0.1, 0.1))
        ],
    }


def bn_check(samples: int = 1) -> dict[str, Any]:
    keys = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    values = [0.0] * 7 + [0.1257, 0.0, 1.8e-07]
    return {"hidden": [10, 10], "samples": samples, "diff": dict(zip(keys, values))}


def overfit_decay() -> dict[str, Any]:
    variants = {}
    for i, (label, kind, lam) in enumerate(
        (("L2 λ=0.1", "l2", 0.1), ("no decay", "l2", 0.0), ("L1 λ=0.001", "l1", 0.001))
    ):
        variants[label] = {
            "kind": kind,
            "lambda": lam,
            "train_acc": _rise(40, 1.0 - 0.1 * i, 0.1, 30 + i),
            "test_acc": _rise(40, 0.7, 0.1, 40 + i),
        }
    return {"variants": variants}


def overfit_dropout() -> dict[str, Any]:
    return {
        "variants": {
            "dropout": {
                "dropout_ratio": 0.2,
                "train_acc": _rise(40, 0.8, 0.08, 50),
                "test_acc": _rise(40, 0.7, 0.08, 51),
                "train_loss": _decay(120, 2.3, 0.5, 0.03, 0.05, 52),
            },
            "no dropout": {
                "dropout_ratio": 0.0,
                "train_acc": _rise(40, 1.0, 0.1, 53),
                "test_acc": _rise(40, 0.72, 0.1, 54),
                "train_loss": _decay(120, 2.3, 0.1, 0.05, 0.05, 55),
            },
        }
    }


def search(trials: int = 8) -> dict[str, Any]:
    r = np.random.RandomState(60)
    out = []
    for number in range(trials):
        lr, wd = 10 ** r.uniform(-6, -2), 10 ** r.uniform(-8, -4)
        top = float(np.clip(0.9 + 0.2 * np.log10(lr / 1e-2), 0.08, 0.9))
        val = _rise(10, top, 0.4, 61 + number)
        out.append(
            {
                "number": number,
                "lr": lr,
                "weight_decay": wd,
                "val_acc_list": val,
                "train_acc_list": _rise(10, min(1.0, top + 0.05), 0.4, 80 + number),
                "final_val_acc": val[-1],
            }
        )
    return {"trials": out}


def vanishing() -> dict[str, Any]:
    return {
        "configs": {
            "sigmoid, std=0.01": {"activation": "sigmoid", "test_acc": [0.11] * 10},
            "ReLU, He": {"activation": "relu", "test_acc": _rise(10, 0.95, 0.6, 70)},
            "sigmoid, Xavier": {"activation": "sigmoid", "test_acc": _rise(10, 0.9, 0.3, 71)},
        }
    }


def convnet() -> dict[str, Any]:
    return {
        "epochs": 8,
        "train_acc": _rise(9, 0.99, 0.6, 72),
        "test_acc": _rise(9, 0.97, 0.6, 73),
        "train_loss": _decay(300, 2.3, 0.05, 0.03, 0.05, 74),
        "final_test_acc": 0.9712,
    }


def conv_check() -> dict[str, Any]:
    return {
        "diff": {
            "W1": 1.09e-06,
            "b1": 7.88e-06,
            "W2": 1.2e-10,
            "b2": 0.0,
            "W3": 4.5e-12,
            "b3": 3.3e-11,
        }
    }


def filters() -> dict[str, Any]:
    r = np.random.RandomState(75)
    initial = r.randn(30, 1, 5, 5) * 0.01
    trained = initial + np.linspace(-1, 1, 5)[None, None, :, None] * r.randn(30, 1, 1, 1) * 0.05
    return {"initial_W1": initial, "trained_W1": trained, "trained": "given parameters"}


def applied() -> dict[str, Any]:
    r = np.random.RandomState(76)
    image = np.zeros((28, 28))
    image[6:22, 12:16] = 1.0  # a "1"
    w = r.randn(8, 1, 5, 5)
    outputs = np.array(
        [
            [[np.sum(image[i : i + 5, j : j + 5] * w[f, 0]) for j in range(24)] for i in range(24)]
            for f in range(8)
        ]
    )
    return {
        "image": image,
        "filters": w,
        "outputs": outputs,
        "image_index": 0,
        "trained": "given parameters",
    }


def cs231n_rules() -> dict[str, Any]:
    rates = {"sgd": 5e-3, "sgd_momentum": 5e-3, "rmsprop": 1e-4, "adam": 1e-3}
    runs = {
        rule: {
            "learning_rate": lr,
            "loss_history": _decay(200, 2.3, end, 0.02 + 0.01 * k, 0.08, 80 + k),
            "train_acc_history": _rise(6, 0.6 + 0.1 * k, 0.8, 84 + k),
            "val_acc_history": _rise(6, 0.55 + 0.1 * k, 0.8, 88 + k),
        }
        for k, ((rule, lr), end) in enumerate(zip(rates.items(), (1.2, 0.6, 0.4, 0.2)))
    }
    return {"rules": runs, "num_train": 4000, "num_epochs": 5}


def cs231n_overfit() -> dict[str, Any]:
    train = [min(1.0, a) for a in _rise(21, 1.05, 0.5, 92, wiggle=0.0)]
    val = _rise(21, 0.45, 0.5, 93)
    return {
        "learning_rate": 5e-3,
        "loss_history": [max(0.0, v) for v in _decay(40, 4.4, 0.01, 0.3, 0.05, 94)],
        "train_acc_history": train,
        "val_acc_history": val,
        "final_train_acc": train[-1],
        "final_val_acc": val[-1],
        "num_train": 50,
        "weight_scale": 3e-2,
        "num_epochs": 20,
    }


def deepnet() -> dict[str, Any]:
    return {
        "epochs": 6,
        "train_acc": _rise(7, 0.995, 0.7, 77),
        "test_acc": _rise(7, 0.99, 0.7, 78),
        "train_loss": _decay(240, 2.3, 0.03, 0.04, 0.05, 79),
        "final_test_acc": 0.9905,
    }


def half_float() -> dict[str, Any]:
    return {
        "float64_acc": 0.991,
        "float16_acc": 0.99,
        "test_samples": 1000,
        "weights": 123552,
        "weights_rounded": 123301,
        "trained": "given parameters",
    }


def misclassified() -> dict[str, Any]:
    r = np.random.RandomState(80)
    images = np.clip(r.rand(13, 28, 28) * 1.4 - 0.7, 0, 1)
    labels = [int(v) for v in r.randint(0, 10, 13)]
    return {
        "test_acc": 0.987,
        "indices": [int(v) for v in np.sort(r.choice(1000, 13, replace=False))],
        "labels": labels,
        "predicted": [(v + 1 + int(k)) % 10 for v, k in zip(labels, r.randint(0, 8, 13))],
        "images": images,
        "trained": "trained here for 20 epochs",
    }


#: Each experiment's hand-made result.
RESULTS: dict[str, Callable[[], dict[str, Any]]] = {
    "neuralnet-mnist": neuralnet,
    "gradient-descent": descent,
    "train-two-layer-net": two_layer,
    "gradient-check": two_layer_check,
    "optimizer-compare-naive": naive,
    "optimizer-compare-mnist": mnist_compare,
    "weight-init-activation-histogram": histogram,
    "weight-init-compare": weight_init,
    "batch-norm-test": batch_norm,
    "batch-norm-gradient-check": bn_check,
    "overfit-weight-decay": overfit_decay,
    "overfit-dropout": overfit_dropout,
    "hyperparameter-optimization": search,
    "gradient-vanishing": vanishing,
    "train-convnet": convnet,
    "convnet-gradient-check": conv_check,
    "visualize-filter": filters,
    "apply-filter": applied,
    "cs231n-update-rules": cs231n_rules,
    "cs231n-overfit": cs231n_overfit,
    "train-deepnet": deepnet,
    "half-float": half_float,
    "misclassified": misclassified,
}
#: Experiments whose figure names the data set.
NEEDS_DATA = {
    "neuralnet-mnist",
    "train-two-layer-net",
    "optimizer-compare-mnist",
    "weight-init-compare",
    "batch-norm-test",
    "overfit-weight-decay",
    "overfit-dropout",
    "hyperparameter-optimization",
    "gradient-vanishing",
    "train-convnet",
    "cs231n-update-rules",
    "cs231n-overfit",
    "train-deepnet",
    "half-float",
    "misclassified",
}


#: The names of the figures of the experiments that draw several.
SUBFIGURES = {
    "hyperparameter-optimization": ("best", "scatter"),
    "visualize-filter": ("before", "after"),
    "apply-filter": ("filters", "outputs"),
}


def _figure_cases() -> dict[str, Callable[[], Figure]]:
    cases: dict[str, Callable[[], Figure]] = {}
    for name, make in RESULTS.items():
        data = "embedded" if name in NEEDS_DATA else None
        for key in SUBFIGURES.get(name, ("",)):

            def case(name=name, make=make, data=data, key=key) -> Figure:
                figs = EXPERIMENTS[name].figure(make(), data=data)
                return figs[key] if key else figs

            cases[f"{name}-{key}" if key else name] = case
        cases[f"{name}-overlay"] = lambda name=name, make=make, data=data: EXPERIMENTS[
            name
        ].overlay(make(), _julia(make(), 0.02), data=data)
    cases["batch-norm-gradient-check-ten-images"] = lambda: EXPERIMENTS[
        "batch-norm-gradient-check"
    ].figure(bn_check(samples=10))
    cases["hyperparameter-optimization-best-search20"] = lambda: EXPERIMENTS[
        "hyperparameter-optimization"
    ].figure(search(23), data="mnist")["best"]  # as pyref search draws it
    cases["search-history"] = lambda: history_figure(search_with_space()[0])
    cases["search-parallel"] = lambda: parallel_figure(*search_with_space())
    return cases


#: The space of search_with_space: four parameters, two of them choices.
SEARCH_SPACE = (
    "lr=1e-4:1e-1:log,weight_decay=1e-8:1e-4:log,optimizer=sgd|momentum|adam,hidden_layers=1:4"
)


def search_with_space(trials: int = 14) -> tuple[list[dict[str, Any]], Any]:
    """pyref search's records over a four-parameter space, a third of them pruned."""
    space = parse_space(SEARCH_SPACE)
    r = np.random.RandomState(70)
    out = []
    for number in range(trials):
        point = space.draw(r)
        top = float(np.clip(0.9 + 0.2 * np.log10(point["lr"] / 1e-1), 0.1, 0.92))
        pruned = number % 3 == 2
        val = _rise(3 if pruned else 10, top, 0.4, 90 + number)
        out.append(
            {
                "number": number,
                "state": "pruned" if pruned else "complete",
                "lr": point["lr"],
                "weight_decay": point["weight_decay"],
                "params": point,
                "val_acc_list": val,
                "final_val_acc": val[-1],
            }
        )
    return out, space


#: Baseline name -> the function drawing its figure.
CASES: dict[str, Callable[[], Figure]] = _figure_cases()
