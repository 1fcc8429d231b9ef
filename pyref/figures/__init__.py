"""The figures of every experiment, drawn from the data its function returned: the plots
the book draws, with what a reader needs to read them alone (a legend for every line
style, each panel's settings, the data set's name, a note where a line leaves the
plotted range). One package for `pyref run`, `pyref search` and the notebooks (each
experiment's record in :mod:`pyref.experiments.registry` names its figure and overlay),
so that they cannot drift apart. One module per job:

- :mod:`pyref.figures.style`: :data:`STYLE` and the helpers every figure shares;
- :mod:`pyref.figures.chapter3` .. :mod:`pyref.figures.chapter8`,
  :mod:`pyref.figures.cs231n`: ``NAME(result, data=...)``, experiment NAME's figure
  (or a dict name -> figure);
- :mod:`pyref.figures.overlays`: ``NAME_overlay(python_result, julia_result, data=...)``,
  both languages in one figure (Python as lines or filled marks, Julia as open circles
  on top).

``labelled(fig, language)`` adds a banner naming the language that computed a figure.
The public names of all five are re-exported here (``from pyref.figures import X``).
"""

from pyref.figures.chapter3 import neuralnet_mnist
from pyref.figures.chapter4 import gradient_descent
from pyref.figures.chapter5 import gradient_check, train_two_layer_net
from pyref.figures.chapter6 import (
    batch_norm_gradient_check,
    batch_norm_test,
    gradient_vanishing,
    hyperparameter_optimization,
    optimizer_compare_mnist,
    optimizer_compare_naive,
    overfit_dropout,
    overfit_weight_decay,
    weight_init_activation_histogram,
    weight_init_compare,
)
from pyref.figures.chapter7 import (
    apply_filter,
    convnet_gradient_check,
    filter_grid,
    train_convnet,
    visualize_filter,
)
from pyref.figures.chapter8 import (
    accuracy_bars,
    digit_grid,
    half_float,
    misclassified,
    train_deepnet,
)
from pyref.figures.cs231n import cs231n_overfit, cs231n_update_rules
from pyref.figures.overlays import (
    apply_filter_overlay,
    batch_norm_gradient_check_overlay,
    batch_norm_test_overlay,
    convnet_gradient_check_overlay,
    cs231n_overfit_overlay,
    cs231n_update_rules_overlay,
    gradient_check_overlay,
    gradient_descent_overlay,
    gradient_vanishing_overlay,
    half_float_overlay,
    hyperparameter_optimization_overlay,
    misclassified_overlay,
    neuralnet_mnist_overlay,
    optimizer_compare_mnist_overlay,
    optimizer_compare_naive_overlay,
    overfit_dropout_overlay,
    overfit_weight_decay_overlay,
    train_convnet_overlay,
    train_deepnet_overlay,
    train_two_layer_net_overlay,
    visualize_filter_overlay,
    weight_init_activation_histogram_overlay,
    weight_init_compare_overlay,
)
from pyref.figures.style import (
    DATA_NAMES,
    JULIA_MARK,
    MARKERS,
    STYLE,
    FigureFunc,
    data_name,
    labelled,
    new_figure,
    styled,
)

__all__ = [
    "DATA_NAMES",
    "FigureFunc",
    "JULIA_MARK",
    "MARKERS",
    "STYLE",
    "data_name",
    "labelled",
    "new_figure",
    "styled",
    "neuralnet_mnist",
    "gradient_descent",
    "train_two_layer_net",
    "gradient_check",
    "batch_norm_gradient_check",
    "batch_norm_test",
    "gradient_vanishing",
    "hyperparameter_optimization",
    "optimizer_compare_mnist",
    "optimizer_compare_naive",
    "overfit_dropout",
    "overfit_weight_decay",
    "weight_init_activation_histogram",
    "weight_init_compare",
    "apply_filter",
    "convnet_gradient_check",
    "filter_grid",
    "train_convnet",
    "visualize_filter",
    "neuralnet_mnist_overlay",
    "gradient_descent_overlay",
    "train_two_layer_net_overlay",
    "gradient_check_overlay",
    "cs231n_overfit",
    "cs231n_update_rules",
    "accuracy_bars",
    "digit_grid",
    "half_float",
    "misclassified",
    "train_deepnet",
    "apply_filter_overlay",
    "batch_norm_gradient_check_overlay",
    "batch_norm_test_overlay",
    "convnet_gradient_check_overlay",
    "cs231n_overfit_overlay",
    "cs231n_update_rules_overlay",
    "gradient_vanishing_overlay",
    "half_float_overlay",
    "hyperparameter_optimization_overlay",
    "misclassified_overlay",
    "optimizer_compare_mnist_overlay",
    "optimizer_compare_naive_overlay",
    "overfit_dropout_overlay",
    "overfit_weight_decay_overlay",
    "train_convnet_overlay",
    "train_deepnet_overlay",
    "visualize_filter_overlay",
    "weight_init_activation_histogram_overlay",
    "weight_init_compare_overlay",
]
