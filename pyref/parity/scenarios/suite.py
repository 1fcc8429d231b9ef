"""The built-in suite: each scenario's name, function and Julia twin, arguments,
tiers, the book section it belongs to, and whether it is part of ``--quick``; the
experiments' scenarios are built from their records in
:mod:`pyref.experiments.registry`. ``SCENARIOS`` (at the bottom) is the suite by name.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pyref.experiments.registry import EXPERIMENTS, FULL_DATA, Experiment, ParityRun
from pyref.initialization import HISTOGRAM_INITS
from pyref.parity.cs231n_scenarios import cs231n_suite
from pyref.parity.random_calls import SEEDS
from pyref.parity.scenario import Scenario
from pyref.parity.scenarios.functions import (
    activation_histograms,
    convnet_gradients,
    experiment,
    im2col_cases,
    init_weights,
    layer_activation,
    layer_affine,
    layer_batchnorm,
    layer_convolution,
    layer_dropout,
    layer_pooling,
    layer_softmax_with_loss,
    net_gradients,
    optimizer_steps,
    random_calls,
    trainer_convnet,
    trainer_run,
    validation_split,
)
from pyref.parity.scenarios.inputs import (
    convnet_params,
    mnist_batch,
    mnist_image_batch,
    mnist_images,
    mnist_inputs,
)
from pyref.parity.tiers import CLOSE, close, trajectory

#: The Julia module that holds the twins of the scenario functions (PyRef.Scenarios).
_JULIA_TWINS = "PyRef.Scenarios."

#: Training outputs: accuracies must agree exactly; losses within LOSS_BOUND.
LOSS_BOUND = 1e-9
ACCURACY = trajectory(0.0)
#: Outputs that are zero mathematically and rounding noise numerically.
NOISE = close(atol=1e-15)
TRAINING_TIERS = {
    "train_loss": trajectory(LOSS_BOUND),
    "train_acc": ACCURACY,
    "test_acc": ACCURACY,
    "val_acc_list": ACCURACY,
    "train_acc_list": ACCURACY,
    "final_val_acc": ACCURACY,
    "final_train_acc": ACCURACY,
    "bn_train_acc": ACCURACY,
    "loss_history": trajectory(LOSS_BOUND),
    "train_acc_history": ACCURACY,
    "val_acc_history": ACCURACY,
}


def _random(name: str, calls: list[list[Any]], description: str) -> Scenario:
    return Scenario(
        f"random-{name}",
        random_calls,
        _JULIA_TWINS + "random_calls",
        kwargs={"seeds": list(SEEDS), "calls": calls},
        section="random",
        description=description,
    )


#: The data of an experiment's shortened runs: (training, test) samples.
QUICK_DATA = (1000, 500)
QUICK_IMAGES = (600, 200)


def suite_section(exp: Experiment) -> str:
    """The suite's section of an experiment: chapter 6 by section ("6.1" .. "6.5"),
    chapters 3, 4, 5, 7 and 8 whole ("3" .. "8"), CS231n's with the assignment's
    ("cs231n")."""
    if exp.chapter is None:
        return exp.section
    return ".".join(exp.section.split(".")[:2]) if exp.chapter == 6 else str(exp.chapter)


def experiment_scenario(exp: Experiment, run: ParityRun) -> Scenario:
    """The scenario of one of ``exp``'s parity runs.

    Args:
        exp: the experiment's record.
        run: one of ``exp.parity``.

    Returns:
        The scenario ``exp-NAME[VARIANT]`` (``full-NAME`` for a full run, or
        ``run.name``), seeded with ``run.seed`` (0 full, else 7), on the first
        ``run.data`` samples (rows or images as the experiment takes them).
    """
    data = None
    if exp.needs_data:
        default = FULL_DATA if run.full else QUICK_IMAGES if exp.images else QUICK_DATA
        data = run.data or default
    parts = []
    if data is not None:
        if exp.images:
            parts.append(functools.partial(mnist_images, *data))
        else:  # labels as the experiment takes them (one-hot rows or integers)
            parts.append(functools.partial(mnist_inputs, *data, one_hot=exp.one_hot_label))
    if run.params:
        parts.append(functools.partial(convnet_params, 31, 0.1))

    def inputs() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for part in parts:
            out.update(part())
        return out

    prefix = "full" if run.full else "exp"
    length = " at the book's length" if run.full else ", shortened"
    tiers = {**TRAINING_TIERS, **CHAPTER_TIERS.get(exp.chapter, {})}
    return Scenario(
        run.name or f"{prefix}-{exp.name}{run.variant}",
        experiment,
        _JULIA_TWINS + "experiment",
        kwargs={
            "name": exp.name,
            "seed": run.seed if run.seed is not None else 0 if run.full else 7,
            "settings": dict(run.settings),
        },
        tiers=tiers,
        section=suite_section(exp),
        quick=run.quick and not run.full,
        full=run.full,
        inputs=(parts[0] if len(parts) == 1 else inputs) if parts else None,
        description=run.description or f"pyref run {exp.name}{length}",
    )


def experiment_scenarios(
    experiments: Mapping[str, Experiment], *, chapter: int | None, full: bool
) -> list[Scenario]:
    """The scenarios of the experiments of one chapter (None: CS231n's), full-length or
    not, in order."""
    return [
        experiment_scenario(exp, run)
        for exp in experiments.values()
        if exp.chapter == chapter
        for run in exp.parity
        if run.full == full
    ]


#: Native-BLAS tier of a gradient check's differences (np.average |backprop − numerical|,
#: of two near-equal gradients): the numerical gradient's own rounding, one ULP of the
#: loss over 2h = 2e-4, is ~1e-12 absolute, and the difference keeps it whole.
GRADIENT_CHECK_DIFF = close(1e-6, atol=1e-12)
#: Native-BLAS tiers of chapter 7's outputs that pass through matrix products.
CONVNET_TRAINED = close(1e-9)
CONVNET_TIERS = {
    "params": CONVNET_TRAINED,
    "trained_W1": CONVNET_TRAINED,
    "filters": CONVNET_TRAINED,
    "outputs": CONVNET_TRAINED,
    "final_test_acc": ACCURACY,
    "diff": GRADIENT_CHECK_DIFF,
}
#: Native-BLAS tiers of chapters 3 and 5's experiments' outputs: the accuracy of the
#: three-layer net, the gradient check's differences (of two near-equal gradients).
BOOK_NET_TIERS = {"accuracy": ACCURACY, "diff": GRADIENT_CHECK_DIFF}
#: Each chapter's tiers beyond TRAINING_TIERS.
CHAPTER_TIERS = {3: BOOK_NET_TIERS, 5: BOOK_NET_TIERS, 7: CONVNET_TIERS, 8: CONVNET_TIERS}
#: im2col/col2im cases: label, input shape, filter, stride, pad.
IM2COL_CASES = [
    ["mnist", [2, 1, 28, 28], [5, 5], 1, 0],
    ["single", [1, 3, 7, 7], [3, 3], 1, 1],
    ["stride2-pad1", [3, 2, 9, 7], [3, 3], 2, 1],
    ["wide", [2, 2, 6, 10], [2, 4], 2, 0],
    ["pointwise", [4, 3, 5, 5], [1, 1], 1, 0],
    ["stride3-pad2", [2, 1, 5, 5], [3, 3], 3, 2],
    ["whole", [3, 2, 4, 4], [4, 4], 1, 0],
]


def _chapter7() -> list[Scenario]:
    conv = {"out": CLOSE, "dx": CLOSE, "dW": CLOSE}
    net = {
        "grads": CLOSE,
        "loss": CLOSE,
        "scores": CLOSE,
        "accuracy": ACCURACY,
        "accuracy30": ACCURACY,
    }
    return [
        Scenario("im2col-col2im", im2col_cases, _JULIA_TWINS + "im2col_cases",
                 kwargs={"seed": 40, "cases": IM2COL_CASES}, section="7",
                 description="im2col and col2im: shapes, strides, paddings, one sample"),
        Scenario("layer-convolution", layer_convolution, _JULIA_TWINS + "layer_convolution",
                 kwargs={"seed": 41, "shape": [4, 3, 8, 8], "filters": [6, 3, 3], "stride": 1, "pad": 1},
                 tiers=conv, section="7", description="Convolution forward/backward, padded"),
        Scenario("layer-convolution-single", layer_convolution, _JULIA_TWINS + "layer_convolution",
                 kwargs={"seed": 42, "shape": [1, 1, 12, 12], "filters": [5, 5, 5], "stride": 1, "pad": 0},
                 tiers=conv, section="7",
                 description="one sample: numpy's col and dout in Fortran order"),
        Scenario("layer-convolution-strided", layer_convolution, _JULIA_TWINS + "layer_convolution",
                 kwargs={"seed": 43, "shape": [2, 2, 9, 9], "filters": [4, 3, 3], "stride": 2, "pad": 1},
                 tiers=conv, section="7", description="stride 2, pad 1"),
        Scenario("layer-pooling", layer_pooling, _JULIA_TWINS + "layer_pooling",
                 kwargs={"seed": 44, "shape": [3, 4, 8, 8], "pool": [2, 2], "stride": 2, "pad": 0,
                         "ties": False},
                 section="7", description="2x2 max pooling, stride 2: values, arg_max, dx"),
        Scenario("layer-pooling-overlap", layer_pooling, _JULIA_TWINS + "layer_pooling",
                 kwargs={"seed": 45, "shape": [2, 3, 7, 7], "pool": [3, 3], "stride": 1, "pad": 1,
                         "ties": True},
                 section="7", description="overlapping 3x3 windows with ties: first maxima, summed dx"),
        Scenario("layer-pooling-strided", layer_pooling, _JULIA_TWINS + "layer_pooling",
                 kwargs={"seed": 46, "shape": [2, 2, 9, 8], "pool": [3, 2], "stride": 2, "pad": 0,
                         "ties": True},
                 section="7", description="3x2 windows, stride 2"),
        Scenario("convnet-gradients", convnet_gradients, _JULIA_TWINS + "convnet_gradients",
                 kwargs={"seed": 47, "settings": {}}, tiers=net, section="7",
                 inputs=functools.partial(mnist_image_batch, 100),
                 description="the book's SimpleConvNet on 100 digits: loss, gradients, accuracy"),
        Scenario("convnet-gradients-strided", convnet_gradients, _JULIA_TWINS + "convnet_gradients",
                 kwargs={"seed": 48, "settings": {
                     "conv_param": {"filter_num": 8, "filter_size": 4, "pad": 1, "stride": 2},
                     "hidden_size": 30, "weight_init_std": 0.1}},
                 tiers=net, section="7", inputs=functools.partial(mnist_image_batch, 70),
                 description="filters 4x4, stride 2, pad 1"),
        Scenario("convnet-gradients-single", convnet_gradients, _JULIA_TWINS + "convnet_gradients",
                 kwargs={"seed": 49, "settings": {
                     "conv_param": {"filter_num": 6, "filter_size": 5, "pad": 2, "stride": 1},
                     "hidden_size": 20, "weight_init_std": 0.1}},
                 tiers=net, section="7", inputs=functools.partial(mnist_image_batch, 1),
                 description="one image (numpy's Fortran-ordered col and gemv paths), pad 2"),
        Scenario("trainer-convnet", trainer_convnet, _JULIA_TWINS + "trainer_convnet",
                 kwargs={"seed": 50, "net": {},
                         "trainer": {"epochs": 2, "mini_batch_size": 50, "optimizer": "adam",
                                     "optimizer_param": {"lr": 0.001},
                                     "evaluate_sample_num_per_epoch": 100}},
                 tiers={**TRAINING_TIERS, "params": CONVNET_TRAINED}, section="7",
                 inputs=functools.partial(mnist_images, 300, 150),
                 description="the Trainer on images: SimpleConvNet, Adam"),
        Scenario("trainer-convnet-sgd", trainer_convnet, _JULIA_TWINS + "trainer_convnet",
                 kwargs={"seed": 51, "net": {"hidden_size": 50, "weight_init_std": 0.05},
                         "trainer": {"epochs": 3, "mini_batch_size": 100, "optimizer": "sgd",
                                     "optimizer_param": {"lr": 0.1}}},
                 tiers={**TRAINING_TIERS, "params": CONVNET_TRAINED}, section="7", quick=False,
                 inputs=functools.partial(mnist_images, 1000, 300),
                 description="a longer run: SGD, 3 epochs on 1,000 images"),
    ]  # fmt: skip


OPTIMIZER_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("sgd", {"lr": 0.1}),
    "momentum": ("momentum", {"lr": 0.1, "momentum": 0.9}),
    "nesterov": ("nesterov", {"lr": 0.1, "momentum": 0.9}),
    "adagrad": ("adagrad", {"lr": 0.5}),
    "rmsprop": ("rmsprop", {"lr": 0.05, "decay_rate": 0.99}),
    "adam": ("adam", {"lr": 0.01}),
    "adam-paper": ("adam", {"lr": 0.01, "form": "paper"}),
}

HISTOGRAM_INIT_PAIRS = [list(pair) for pair in HISTOGRAM_INITS.items()]


def _build() -> list[Scenario]:
    suite = [
        _random("rand", [["rand"], ["rand", 5], ["rand", 3, 4], ["rand", 2, 3, 4]], "rand over shapes"),
        _random("randn", [["randn", 3], ["randn"], ["randn", 2, 2], ["randn", 5], ["randn", 784, 50]],
                "randn, odd counts carrying the cached Gaussian"),
        _random("uniform", [["uniform", -8.0, -4.0], ["uniform", -6.0, -2.0], ["uniform", 0.0, 1.0, 7],
                            ["uniform", -1.0, 3.0, 2, 3]], "uniform, as the search samples"),
        _random("randint", [["randint", 0, 10, 20], ["randint", -5, 5, 3, 3], ["randint", 7, 8, 4],
                            ["randint", 0, 2**40, 6], ["randint", 0, 2**32, 5],
                            ["randint", 0, 2**32 + 1, 5]], "randint, ranges past 2**32"),
        _random("choice", [["choice", 60000, 128, True], ["choice", 10, 10, False],
                           ["choice", 500, 100, True], ["choice", 300, 7, False]],
                "choice: minibatch masks, without replacement"),
        _random("permutation", [["permutation", 10], ["permutation", 500], ["permutation", 1]],
                "permutation"),
        _random("shuffle", [["shuffle", 7, 3], ["shuffle", 1, 4], ["shuffle", 50, 2]], "row shuffles"),
        _random("state", [["randn", 3], ["rand", 2, 2], ["randint", 0, 100, 3], ["randn", 1],
                          ["uniform", 1.0, 2.0], ["permutation", 5], ["state"]],
                "interleaved calls, then the generator state"),
        Scenario("init-weights", init_weights, _JULIA_TWINS + "init_weights",
                 kwargs={"seed": 3, "input_size": 784, "hidden": [50, 30], "output_size": 10,
                         "inits": [["std=1", 1.0], ["std=0.01", 0.01], ["relu", "relu"], ["he", "he"],
                                   ["sigmoid", "sigmoid"], ["xavier", "xavier"]]},
                 section="6.2", description="initial weights for every weight_init_std"),
        Scenario("init-weights-batchnorm", init_weights, _JULIA_TWINS + "init_weights",
                 kwargs={"seed": 4, "input_size": 20, "hidden": [8, 6], "output_size": 10,
                         "inits": [["he", "he"], ["std=0.1", 0.1]], "use_batchnorm": True},
                 section="6.3", description="initial weights, gamma and beta of BatchNorm nets"),
    ]  # fmt: skip
    for label, (name, params) in OPTIMIZER_CASES.items():
        suite.append(
            Scenario(
                f"optimizer-{label}",
                optimizer_steps,
                _JULIA_TWINS + "optimizer_steps",
                kwargs={"name": name, "params": params, "seed": 11, "steps": 25, "shape": [6, 4]},
                section="6.1",
                step_axis=0,
                description=f"{label}: 25 steps on drawn gradients",
            )
        )
    suite += [
        Scenario("layer-affine", layer_affine, _JULIA_TWINS + "layer_affine",
                 kwargs={"seed": 5, "n": 32, "d_in": 784, "d_out": 100},
                 tiers={"out": CLOSE, "dx": CLOSE, "dW": CLOSE}, section="6.1",
                 description="Affine forward/backward (matrix products: BLAS)"),
        Scenario("layer-affine-single", layer_affine, _JULIA_TWINS + "layer_affine",
                 kwargs={"seed": 21, "n": 1, "d_in": 784, "d_out": 100},
                 tiers={"out": CLOSE, "dx": CLOSE, "dW": CLOSE}, section="6.1",
                 description="Affine on one sample (numpy: gemv, and gemm of rank 1)"),
        *[Scenario(f"layer-{name}", layer_activation, _JULIA_TWINS + "layer_activation",
                   kwargs={"name": name, "seed": 6, "n": 100, "d": 50, "scale": scale},
                   section="6.2", description=f"{name} forward/backward")
          for name, scale in (("relu", 1.0), ("sigmoid", 4.0), ("tanh", 2.0))],
        Scenario("layer-softmax-with-loss", layer_softmax_with_loss, _JULIA_TWINS + "layer_softmax_with_loss",
                 kwargs={"seed": 8, "n": 100, "classes": 10, "one_hot": False}, section="6.1",
                 description="softmax, cross-entropy and dx"),
        Scenario("layer-softmax-with-loss-onehot", layer_softmax_with_loss, _JULIA_TWINS + "layer_softmax_with_loss",
                 kwargs={"seed": 9, "n": 50, "classes": 10, "one_hot": True}, section="6.1",
                 description="the same with one-hot labels"),
        Scenario("layer-dropout", layer_dropout, _JULIA_TWINS + "layer_dropout",
                 kwargs={"seed": 10, "n": 100, "d": 40, "ratio": 0.3, "passes": 3}, section="6.4",
                 description="Dropout masks in training, scaling in test mode"),
        Scenario("layer-batchnorm", layer_batchnorm, _JULIA_TWINS + "layer_batchnorm",
                 kwargs={"seed": 12, "n": 64, "d": 30, "batches": 3}, section="6.3",
                 description="BatchNorm train/test, backward, running statistics"),
        Scenario("net-relu-l2", net_gradients, _JULIA_TWINS + "net_gradients",
                 kwargs={"seed": 13, "hidden": [100, 50],
                         "settings": {"weight_decay_lambda": 0.1}},
                 tiers={"grads": CLOSE, "loss": CLOSE}, section="6.4", inputs=functools.partial(mnist_batch, 100),
                 description="MultiLayerNet, ReLU/He, L2 decay: loss and gradients"),
        Scenario("net-sigmoid-l1", net_gradients, _JULIA_TWINS + "net_gradients",
                 kwargs={"seed": 14, "hidden": [100, 50],
                         "settings": {"activation": "sigmoid", "weight_init_std": "xavier",
                                      "weight_decay_lambda": 0.01, "weight_decay": "l1"}},
                 tiers={"grads": CLOSE, "loss": CLOSE}, section="6.4", inputs=functools.partial(mnist_batch, 100),
                 description="sigmoid/Xavier, L1 decay"),
        Scenario("net-batchnorm-dropout", net_gradients, _JULIA_TWINS + "net_gradients",
                 kwargs={"seed": 15, "hidden": [100, 100],
                         "settings": {"use_batchnorm": True, "use_dropout": True, "dropout_ratio": 0.2,
                                      "weight_decay_lambda": 0.05}},
                 # b1, b2 (biases before BatchNorm) have gradient 0 mathematically: what is
                 # computed is cancellation noise (~1e-17), compared absolutely.
                 tiers={"grads": CLOSE, "loss": CLOSE, "grads/b1": NOISE, "grads/b2": NOISE}, section="6.3",
                 inputs=functools.partial(mnist_batch, 100),
                 description="MultiLayerNetExtend with BatchNorm, Dropout and L2"),
        Scenario("trainer-sgd", trainer_run, _JULIA_TWINS + "trainer_run",
                 kwargs={"seed": 16, "hidden": [50, 50], "net": {},
                         "trainer": {"epochs": 4, "mini_batch_size": 100, "optimizer": "sgd",
                                     "optimizer_param": {"lr": 0.1}}},
                 tiers=TRAINING_TIERS, section="6.1", inputs=functools.partial(mnist_inputs, 1000, 500),
                 description="the Trainer with SGD"),
        Scenario("trainer-adam-batchnorm-dropout", trainer_run, _JULIA_TWINS + "trainer_run",
                 kwargs={"seed": 17, "hidden": [50, 50],
                         "net": {"use_batchnorm": True, "use_dropout": True, "dropout_ratio": 0.15},
                         "trainer": {"epochs": 3, "mini_batch_size": 50, "optimizer": "adam",
                                     "optimizer_param": {"lr": 0.001}}},
                 tiers=TRAINING_TIERS, section="6.3", inputs=functools.partial(mnist_inputs, 600, 300),
                 description="the Trainer with Adam, BatchNorm and Dropout"),
        Scenario("trainer-momentum-l1-long", trainer_run, _JULIA_TWINS + "trainer_run",
                 kwargs={"seed": 18, "hidden": [100, 100, 100],
                         "net": {"weight_decay_lambda": 0.001, "weight_decay": "l1"},
                         "trainer": {"epochs": 10, "mini_batch_size": 100, "optimizer": "momentum",
                                     "optimizer_param": {"lr": 0.05}}},
                 tiers=TRAINING_TIERS, section="6.4", quick=False,
                 inputs=functools.partial(mnist_inputs, 2000, 1000),
                 description="a longer run: Momentum, L1 decay, 10 epochs"),
        Scenario("validation-split", validation_split, _JULIA_TWINS + "validation_split",
                 kwargs={"seed": 19, "validation_rate": 0.2}, section="6.5",
                 inputs=functools.partial(mnist_batch, 500), description="6.5.1 shuffle and split"),
        Scenario("activation-histograms", activation_histograms, _JULIA_TWINS + "activation_histograms",
                 kwargs={"seed": 20, "activations": ["sigmoid", "relu", "tanh"], "inits": HISTOGRAM_INIT_PAIRS},
                 tiers={"stats": CLOSE, "edges": CLOSE}, section="6.2",
                 description="6.2.2 histogram counts for every activation and scale"),
    ]  # fmt: skip
    return suite


def build_suite(experiments: Mapping[str, Experiment] | None = None) -> list[Scenario]:
    """The built-in suite in order: chapter 6's components and experiments (shortened,
    then full-length), then chapter 7's, then CS231n's (its components', then its experiments').

    Args:
        experiments: the registry whose experiments' parity runs join the suite
            (default :data:`pyref.experiments.registry.EXPERIMENTS`).

    Returns:
        Every scenario of the suite.
    """
    registry = EXPERIMENTS if experiments is None else experiments
    from pyref.parity import (
        chapter3_scenarios,
        chapter4_scenarios,
        chapter5_scenarios,
        chapter8_scenarios,
    )

    return [
        *chapter3_scenarios.SCENARIOS,
        *experiment_scenarios(registry, chapter=3, full=False),
        *chapter4_scenarios.SCENARIOS,
        *experiment_scenarios(registry, chapter=4, full=False),
        *chapter5_scenarios.SCENARIOS,
        *experiment_scenarios(registry, chapter=5, full=False),
        *_build(),
        *experiment_scenarios(registry, chapter=6, full=False),
        *experiment_scenarios(registry, chapter=6, full=True),
        *_chapter7(),
        *experiment_scenarios(registry, chapter=7, full=False),
        *experiment_scenarios(registry, chapter=7, full=True),
        *chapter8_scenarios.SCENARIOS,
        *experiment_scenarios(registry, chapter=8, full=False),
        *experiment_scenarios(registry, chapter=8, full=True),
        *cs231n_suite(),
        *experiment_scenarios(registry, chapter=None, full=False),
    ]


#: The built-in suite, by name.
SCENARIOS: dict[str, Scenario] = {sc.name: sc for sc in build_suite()}
