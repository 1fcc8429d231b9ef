"""The names chapter 4's scripts import from the book: ``load_mnist``, ``softmax`` and
``cross_entropy_error`` (common/functions.py), ``numerical_gradient`` and
``TwoLayerNet`` (ch04/two_layer_net.py: pyref's :class:`~pyref.simple_nets.SigmoidTwoLayerNet`).

``numerical_gradient`` is common/gradient.py's (gradient_simplenet.py's, the nets').
gradient_method.py imports gradient_2d.py's function of that name, which differs only
for a matrix (it takes the gradient of each row,
:func:`pyref.gradient.numerical_gradient_2d`); on the vector gradient_method.py gives
it, the two take the same steps.
"""

from pyref.datasets import load_mnist
from pyref.functions import cross_entropy_error, numerical_gradient, softmax
from pyref.simple_nets import SigmoidTwoLayerNet as TwoLayerNet

__all__ = ["TwoLayerNet", "cross_entropy_error", "load_mnist", "numerical_gradient", "softmax"]
