"""Chapter 5's switch: ``from pyref.book.ch05 import *`` stands for the imports of the
book's ch05 scripts (``from layer_naive import *``, ``from two_layer_net import
TwoLayerNet``, ``from dataset.mnist import load_mnist``).

``TwoLayerNet`` is chapter 5's net of layers, pyref's ``LayeredTwoLayerNet``.
"""

from pyref.datasets import load_mnist
from pyref.layers import AddLayer, MulLayer
from pyref.nets import LayeredTwoLayerNet as TwoLayerNet

__all__ = ["AddLayer", "MulLayer", "TwoLayerNet", "load_mnist"]
