"""The names chapter 7's scripts import from the book: ``Convolution`` (common/layers.py),
``Trainer``, ``load_mnist`` and ``SimpleConvNet`` (ch07/simple_convnet.py)."""

from pyref.convnet import SimpleConvNet
from pyref.convolution import Convolution
from pyref.datasets import load_mnist
from pyref.trainer import Trainer

__all__ = ["Convolution", "SimpleConvNet", "Trainer", "load_mnist"]
