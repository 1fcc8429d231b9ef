"""The book's experiments: one module per chapter, and the registry.

- :mod:`pyref.experiments.chapter6`: the ch06 scripts (optimizers, initial weights,
  Batch Normalization, regularization, the hyperparameter search);
- :mod:`pyref.experiments.chapter7`: the ch07 scripts (SimpleConvNet, its filters);
- :mod:`pyref.experiments.cs231n`: CS231n assignment 2's update-rule comparison and
  overfit, on :mod:`pyref.cs231n`;
- :mod:`pyref.experiments.registry`: ``EXPERIMENTS``, one :class:`Experiment` record per
  experiment (function, figure, overlay, settings, parity runs), which the CLI, the
  figure gallery, the notebooks and the parity suite read. It imports
  :mod:`pyref.figures` and is therefore not imported here (the figures import the
  chapters' settings): ``from pyref.experiments.registry import EXPERIMENTS``.

The chapters' (and CS231n's) functions and settings are re-exported here.
"""

from pyref.experiments.chapter6 import *  # noqa: F403
from pyref.experiments.chapter6 import __all__ as _chapter6
from pyref.experiments.chapter7 import *  # noqa: F403
from pyref.experiments.chapter7 import __all__ as _chapter7
from pyref.experiments.cs231n import *  # noqa: F403
from pyref.experiments.cs231n import __all__ as _cs231n

__all__ = [*_chapter6, *_chapter7, *(n for n in _cs231n if n != "Data")]
