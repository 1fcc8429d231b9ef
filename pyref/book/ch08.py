"""Chapter 8's switch: ``from pyref.book.ch08 import *`` stands for the imports of the
book's ch08 scripts (``from deep_convnet import DeepConvNet``, ``from
dataset.mnist import load_mnist``, ``from common.trainer import Trainer``).
"""

from pyref.datasets import load_mnist
from pyref.deep_convnet import DeepConvNet
from pyref.trainer import Trainer

__all__ = ["DeepConvNet", "Trainer", "load_mnist"]
