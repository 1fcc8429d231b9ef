"""The built-in parity suite, one module per job:

- :mod:`pyref.parity.scenarios.functions`: every component of chapters 6 and 7 as a
  named, seeded computation, each with its twin of the same name in
  ``julia/src/parity/scenarios.jl`` (``PyRef.Scenarios``);
- :mod:`pyref.parity.scenarios.inputs`: the inputs drawn from the data set (first
  digits as vectors or images, stand-in trained parameters);
- :mod:`pyref.parity.scenarios.suite`: the suite itself (names, arguments, tiers, the
  book section each belongs to, ``--quick``), the experiments' scenarios built from
  :mod:`pyref.experiments.registry`; ``SCENARIOS`` is the suite by name.

Their public names are re-exported here (``from pyref.parity.scenarios import
SCENARIOS, optimizer_steps, mnist_batch``), for users' scenario files too.
"""

from pyref.parity.scenarios.functions import (
    RandomState,
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
from pyref.parity.scenarios.suite import (
    ACCURACY,
    CONVNET_TIERS,
    CONVNET_TRAINED,
    HISTOGRAM_INIT_PAIRS,
    IM2COL_CASES,
    LOSS_BOUND,
    NOISE,
    OPTIMIZER_CASES,
    QUICK_DATA,
    QUICK_IMAGES,
    SCENARIOS,
    TRAINING_TIERS,
    build_suite,
    experiment_scenario,
    experiment_scenarios,
    suite_section,
)

__all__ = [
    "RandomState",
    "activation_histograms",
    "convnet_gradients",
    "experiment",
    "im2col_cases",
    "init_weights",
    "layer_activation",
    "layer_affine",
    "layer_batchnorm",
    "layer_convolution",
    "layer_dropout",
    "layer_pooling",
    "layer_softmax_with_loss",
    "net_gradients",
    "optimizer_steps",
    "random_calls",
    "trainer_convnet",
    "trainer_run",
    "validation_split",
    "convnet_params",
    "mnist_batch",
    "mnist_image_batch",
    "mnist_images",
    "mnist_inputs",
    "ACCURACY",
    "CONVNET_TIERS",
    "CONVNET_TRAINED",
    "HISTOGRAM_INIT_PAIRS",
    "IM2COL_CASES",
    "LOSS_BOUND",
    "NOISE",
    "OPTIMIZER_CASES",
    "QUICK_DATA",
    "QUICK_IMAGES",
    "SCENARIOS",
    "TRAINING_TIERS",
    "build_suite",
    "experiment_scenario",
    "experiment_scenarios",
    "suite_section",
]
