"""Chapter 7's bad inputs give the same error, word for word, in pyref and in PyRef
(through the Julia bridge): wrong rank, channel mismatch, filters larger than the
padded input, output sizes that are not whole, stride <= 0, negative pad."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pyref.convnet import SimpleConvNet
from pyref.convolution import Convolution, Pooling, col2im, im2col
from pyref.runtime.session import JuliaError

#: (Python call, the same in Julia: code for the session's eval).
CASES = [
    (lambda: im2col(np.zeros((2, 3, 4)), 2, 2), "PyRef.im2col(zeros(2, 3, 4), 2, 2)"),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 5, 2), "PyRef.im2col(zeros(1, 1, 4, 4), 5, 2)"),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 2, 2, 0), "PyRef.im2col(zeros(1, 1, 4, 4), 2, 2, 0)"),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 2, 2, -1), "PyRef.im2col(zeros(1, 1, 4, 4), 2, 2, -1)"),
    (
        lambda: im2col(np.zeros((1, 1, 4, 4)), 2, 2, 1, -1),
        "PyRef.im2col(zeros(1, 1, 4, 4), 2, 2, 1, -1)",
    ),
    (lambda: im2col(np.zeros((1, 1, 5, 4)), 2, 2, 2), "PyRef.im2col(zeros(1, 1, 5, 4), 2, 2, 2)"),
    (lambda: im2col(np.zeros((1, 1, 4, 5)), 2, 2, 2), "PyRef.im2col(zeros(1, 1, 4, 5), 2, 2, 2)"),
    (
        lambda: col2im(np.zeros((3, 4)), (1, 1, 3, 3), 2, 2),
        "PyRef.col2im(zeros(3, 4), (1, 1, 3, 3), 2, 2)",
    ),
    (
        lambda: Convolution(np.zeros((2, 3, 3, 3)), np.zeros(2)).forward(np.zeros((1, 1, 5, 5))),
        "PyRef.forward(PyRef.Convolution(zeros(2, 3, 3, 3), zeros(2)), zeros(1, 1, 5, 5))",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 6, 3)), np.zeros(2), 1, 1).forward(
            np.zeros((1, 1, 3, 5))
        ),
        "PyRef.forward(PyRef.Convolution(zeros(2, 1, 6, 3), zeros(2), 1, 1), zeros(1, 1, 3, 5))",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2)).forward(np.zeros((5, 5))),
        "PyRef.forward(PyRef.Convolution(zeros(2, 1, 3, 3), zeros(2)), zeros(5, 5))",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(3)),
        "PyRef.Convolution(zeros(2, 1, 3, 3), zeros(3))",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), 0),
        "PyRef.Convolution(zeros(2, 1, 3, 3), zeros(2), 0)",
    ),
    (
        lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), 1, -2),
        "PyRef.Convolution(zeros(2, 1, 3, 3), zeros(2), 1, -2)",
    ),
    (
        lambda: Pooling(2, 2, 2).forward(np.zeros((1, 1, 5, 4))),
        "PyRef.forward(PyRef.Pooling(2, 2, 2), zeros(1, 1, 5, 4))",
    ),
    (
        lambda: Pooling(2, 2, 2).forward(np.zeros((1, 1, 1, 4))),
        "PyRef.forward(PyRef.Pooling(2, 2, 2), zeros(1, 1, 1, 4))",
    ),
    (
        lambda: Pooling(2, 2, 2).forward(np.zeros((4, 4))),
        "PyRef.forward(PyRef.Pooling(2, 2, 2), zeros(4, 4))",
    ),
    (lambda: Pooling(2, 2, -1), "PyRef.Pooling(2, 2, -1)"),
    (lambda: Pooling(2, 2, 2, -1), "PyRef.Pooling(2, 2, 2, -1)"),
    (lambda: SimpleConvNet(input_dim=(1, 27, 27)), "PyRef.SimpleConvNet(; input_dim=(1, 27, 27))"),
    (lambda: SimpleConvNet(input_dim=(1, 4, 4)), "PyRef.SimpleConvNet(; input_dim=(1, 4, 4))"),
    (
        lambda: SimpleConvNet(conv_param={"stride": 0}),
        'PyRef.SimpleConvNet(; conv_param=Dict("stride" => 0))',
    ),
    (
        lambda: SimpleConvNet(conv_param={"pad": -1}),
        'PyRef.SimpleConvNet(; conv_param=Dict("pad" => -1))',
    ),
    (
        lambda: SimpleConvNet(conv_param={"size": 3}),
        'PyRef.SimpleConvNet(; conv_param=Dict("size" => 3))',
    ),
    (lambda: SimpleConvNet(input_dim=(1, 28)), "PyRef.SimpleConvNet(; input_dim=(1, 28))"),
    (
        lambda: SimpleConvNet().predict(np.zeros((2, 1, 27, 28))),
        "PyRef.predict(PyRef.SimpleConvNet(), zeros(2, 1, 27, 28))",
    ),
]


#: Julia's eval wraps the error in a LoadError: the inner error's type and message.
INNER = re.compile(r"(ArgumentError|DimensionMismatch)(?:: |\(\")(.*?)(?:\"\))?$", re.M)


@pytest.mark.parametrize("call,julia_code", CASES, ids=[c[1][6:40] for c in CASES])
def test_same_error_in_both_languages(call, julia_code: str, julia_session) -> None:
    with pytest.raises(ValueError) as py:
        call()
    with pytest.raises(JuliaError) as jl:
        julia_session.eval(julia_code)
    found = INNER.search(jl.value.julia_message)
    assert found, jl.value.julia_message
    kind, message = found.groups()
    assert message == str(py.value)
    # A shape or size that does not fit is a DimensionMismatch, a bad value an ArgumentError.
    assert kind in ("ArgumentError", "DimensionMismatch")
