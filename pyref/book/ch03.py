"""The names chapter 3's scripts import from the book: ``load_mnist`` (dataset/mnist.py),
``sigmoid`` and ``softmax`` (common/functions.py; softmax over the last axis, so one
sample or a batch). Their own functions (init_network, predict, step_function ...) are
the scripts'; pyref's are in :mod:`pyref.simple_nets` and :mod:`pyref.functions`."""

from pyref.datasets import load_mnist
from pyref.functions import sigmoid, softmax

__all__ = ["load_mnist", "sigmoid", "softmax"]
