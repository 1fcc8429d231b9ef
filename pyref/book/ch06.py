"""The names chapter 6's scripts import from the book: the optimizers (``from
common.optimizer import *``, which brings numpy's ``np`` too), ``MultiLayerNet``,
``MultiLayerNetExtend``, ``Trainer``, ``shuffle_dataset``, ``smooth_curve`` and
``load_mnist``."""

import numpy as np

from pyref.datasets import load_mnist, shuffle_dataset
from pyref.functions import smooth_curve
from pyref.nets import MultiLayerNet, MultiLayerNetExtend
from pyref.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from pyref.trainer import Trainer

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "Momentum",
    "MultiLayerNet",
    "MultiLayerNetExtend",
    "Nesterov",
    "RMSprop",
    "Trainer",
    "load_mnist",
    "np",
    "shuffle_dataset",
    "smooth_curve",
]
