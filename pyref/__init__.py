"""pyref: chapters 6 and 7 of 『ゼロから作るDeep Learning』 (Deep Learning from Scratch) in Python,
with a Julia twin (PyRef) proven to agree.

The book's names are exported here, so the book's ch06 and ch07 scripts run against pyref by
changing only their imports: ``from pyref import *``; other chapters' scripts switch with
``from pyref.book.chNN import *`` (chapter 5's TwoLayerNet is ``LayeredTwoLayerNet``, chapter
8's net ``DeepConvNet``).
"""

from pyref.convnet import SimpleConvNet
from pyref.convolution import Convolution, Pooling, col2im, conv_output_size, im2col
from pyref.deep_convnet import DeepConvNet
from pyref.functions import (
    cross_entropy_error,
    numerical_gradient,
    relu,
    sigmoid,
    smooth_curve,
    softmax,
)
from pyref.initialization import activation_histogram, weight_scale
from pyref.layers import (
    AddLayer,
    Affine,
    BatchNormalization,
    Dropout,
    MulLayer,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)
from pyref.nets import LayeredTwoLayerNet, MultiLayerNet, MultiLayerNetExtend
from pyref.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from pyref.trainer import Trainer

__version__ = "0.1.0"

#: Names loaded on first use: the data module imports the embedded-data package lazily.
_LAZY = {
    "load_mnist": "pyref.datasets",
    "shuffle_dataset": "pyref.datasets",
    "split_validation": "pyref.datasets",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pyref' has no attribute {name!r}")


__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "AddLayer",
    "Affine",
    "BatchNormalization",
    "Convolution",
    "DeepConvNet",
    "Dropout",
    "LayeredTwoLayerNet",
    "Momentum",
    "MulLayer",
    "MultiLayerNet",
    "MultiLayerNetExtend",
    "Nesterov",
    "Pooling",
    "RMSprop",
    "Relu",
    "Sigmoid",
    "SimpleConvNet",
    "SoftmaxWithLoss",
    "Tanh",
    "Trainer",
    "activation_histogram",
    "col2im",
    "conv_output_size",
    "cross_entropy_error",
    "im2col",
    "load_mnist",
    "numerical_gradient",
    "relu",
    "shuffle_dataset",
    "sigmoid",
    "smooth_curve",
    "softmax",
    "split_validation",
    "weight_scale",
]
