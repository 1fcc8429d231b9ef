"""Bad input to the Python API (pyref) and to its Julia twin (PyRef, through the
bridge): no silent wrong answer, and an error naming the argument, of the same class
in both languages (Python's ValueError/TypeError, Julia's ArgumentError or
DimensionMismatch, which the bridge raises as ValueError; a layer used out of order is
a RuntimeError in Python and an ErrorException in Julia).
"""

from __future__ import annotations

import os
import resource
import signal
from pathlib import Path

import numpy as np
import pytest

from pyref.datasets import split_validation
from pyref.functions import cross_entropy_error, numerical_gradient, relu, sigmoid, softmax
from pyref.layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from pyref.nets import MultiLayerNet, MultiLayerNetExtend
from pyref.optimizers import SGD, Adam, Momentum
from pyref.runtime.session import JuliaArgumentError, JuliaError
from pyref.trainer import Trainer

Y = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
X2 = np.random.RandomState(0).rand(2, 3)
I64 = np.int64

# -- L5: silent wrong answers in Python are errors now ---------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: cross_entropy_error(Y, np.array([-1, 0])),
            ValueError,
            r"t must be class indices in \[0, 3\), got -1",
        ),
        (
            lambda: SoftmaxWithLoss().forward(X2, np.array([0, -2])),
            ValueError,
            "t must be class indices",
        ),
        (
            lambda: SoftmaxWithLoss().forward(X2, np.array([[5.0, 0, 0], [0, 5.0, 0]])),
            ValueError,
            "t must be one-hot rows",
        ),
        (
            lambda: cross_entropy_error(Y, np.array([[0.5, 0.5, 0], [0, 0, 1.0]])),
            ValueError,
            "t must be one-hot rows",
        ),
        (
            lambda: numerical_gradient(lambda x: float((x**2).sum()), np.array([1, 2, 3])),
            TypeError,
            "x must be a floating-point array",
        ),
        (
            lambda: MultiLayerNetExtend(4, [3], 2, use_dropout="False"),
            TypeError,
            "use_dropout must be True or False",
        ),
        (
            lambda: MultiLayerNetExtend(4, [3], 2, use_batchnorm=1),
            TypeError,
            "use_batchnorm must be True or False",
        ),
        (
            lambda: Relu().backward(np.ones((2, 3))),
            RuntimeError,
            r"Relu.backward needs a forward pass first",
        ),
        (
            lambda: Sigmoid().backward(np.ones((2, 3))),
            RuntimeError,
            r"Sigmoid.backward needs a forward pass first",
        ),
        (
            lambda: split_validation(np.zeros((4, 2)), np.zeros(4), 0.2),
            ValueError,
            "leaves no validation samples",
        ),
    ],
)
def test_silent_wrong_answers_are_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_relu_backward_checks_the_shape_of_dout() -> None:
    layer = Relu()
    layer.forward(np.array([[1.0, -1.0, 2.0], [-3.0, 4.0, 0.0]]))
    with pytest.raises(ValueError, match=r"dout has shape \(1, 3\)"):
        layer.backward(np.ones((1, 3)))  # numpy would broadcast it over both rows


def _momentum_with_a_new_key():
    opt = Momentum()
    params = {"a": np.ones(2)}
    opt.update(params, {"a": np.ones(2)})
    params["b"] = np.ones(2)
    opt.update(params, {"a": np.ones(2), "b": np.ones(2)})


# -- L5: unclear errors are clear ------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: MultiLayerNet(4, [3], 2).loss(np.zeros((0, 4)), np.zeros(0, I64)),
            ValueError,
            r"x has no samples \(an empty batch",
        ),
        (
            lambda: MultiLayerNet(4, [3], 2).gradient(np.zeros((0, 4)), np.zeros(0, I64)),
            ValueError,
            "x has no samples",
        ),
        (
            lambda: cross_entropy_error(np.zeros((0, 3)), np.zeros(0, I64)),
            ValueError,
            "y has no samples",
        ),
        (lambda: MultiLayerNet(4, [3], 1), ValueError, "output_size must be >= 2"),
        (
            lambda: Trainer(
                MultiLayerNet(4, [3], 2),
                np.zeros((0, 4)),
                np.zeros(0, I64),
                np.zeros((1, 4)),
                np.zeros(1, I64),
            ),
            ValueError,
            "x_train has no samples",
        ),
        (
            lambda: Affine(np.zeros((3, 2)), np.zeros(2)).forward(np.zeros(3)),
            ValueError,
            r"x must have samples along its first axis .* got shape \(3,\)",
        ),
        (
            lambda: SoftmaxWithLoss().forward(X2, np.array([5, 0])),
            ValueError,
            r"t must be class indices in \[0, 3\), got 0..5",
        ),
        (
            lambda: cross_entropy_error(Y, np.array([0, 1, 2])),
            ValueError,
            r"t must be 2 class label\(s\)",
        ),
        (
            _momentum_with_a_new_key,
            ValueError,
            "params has 'b', which it did not have at the first update: Momentum.v",
        ),
        (
            lambda: cross_entropy_error([0.5, 0.5], [1]),
            TypeError,
            "y must be a numpy array, not list",
        ),
        (
            lambda: SoftmaxWithLoss().forward([[1.0, 2.0]], [1]),
            TypeError,
            "x must be a numpy array, not list",
        ),
        (
            lambda: Affine(np.zeros((3, 2)), np.zeros(2)).forward([[1.0, 2.0, 3.0]]),
            TypeError,
            "x must be a numpy array, not list",
        ),
        (
            lambda: SGD().update({"w": [1.0, 2.0]}, {"w": [0.1, 0.1]}),
            TypeError,
            r"params\['w'\] must be a numpy array or a number",
        ),
        (
            lambda: BatchNormalization(np.ones(2), np.zeros(2)).backward(np.ones((3, 2))),
            RuntimeError,
            "needs a training forward pass",
        ),
    ],
)
def test_unclear_errors_name_the_argument(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_valid_input_still_gives_the_book_s_numbers() -> None:
    """The checks only refuse: on valid input the values are those of the book's code."""
    t = np.array([2, 0])
    book = -np.sum(np.log(Y[np.arange(2), t] + 1e-7)) / 2
    assert cross_entropy_error(Y, t) == book
    assert cross_entropy_error(Y, np.eye(3)[t]) == book
    assert cross_entropy_error(Y[0], np.eye(3)[2]) == -np.log(Y[0, 2] + 1e-7)
    x = np.array([[1.0, -2.0, 3.0], [0.5, 0.25, -8.0]])
    f = lambda v: float(np.sum(v**3))  # noqa: E731
    assert np.array_equal(numerical_gradient(f, x.copy()), _book_numerical_gradient(f, x.copy()))


def _book_numerical_gradient(f, x):
    """The book's common/gradient.py numerical_gradient."""
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


# -- L6: the Julia twin answers as Python does -------------------------------------------


def both(julia_session, python_call, julia_name: str, *args, **kwargs):
    """(Python's exception, Julia's JuliaError) for the same bad call."""
    with pytest.raises((ValueError, TypeError, RuntimeError)) as py:
        python_call()
    with pytest.raises(JuliaError) as jl:
        julia_session.call(julia_name, *args, **kwargs)
    return py.value, jl.value


@pytest.mark.parametrize(
    "python_call, julia_name, args, kwargs, named",
    [
        (
            lambda: cross_entropy_error(Y, np.array([0, 1, 2])),
            "PyRef.cross_entropy_error",
            (Y, np.array([0, 1, 2])),
            {},
            "t must be 2 class label",
        ),
        (
            lambda: cross_entropy_error(Y, np.array([-1, 0])),
            "PyRef.cross_entropy_error",
            (Y, np.array([-1, 0])),
            {},
            "t must be class indices in [0, 3), got -1..0",
        ),
        (
            lambda: cross_entropy_error(np.zeros((0, 3)), np.zeros(0, I64)),
            "PyRef.cross_entropy_error",
            (np.zeros((0, 3)), np.zeros(0, I64)),
            {},
            "y has no samples",
        ),
        (lambda: SGD(-0.1), "PyRef.SGD", (-0.1,), {}, "lr must be > 0"),
        (
            lambda: Momentum(0.1, 1.5),
            "PyRef.Momentum",
            (0.1, 1.5),
            {},
            "momentum must be in [0, 1)",
        ),
        (
            lambda: Adam(0.1, 0.9, 0.999, form="bogus"),
            "PyRef.Adam",
            (0.1, 0.9, 0.999, 1e-7, "bogus"),
            {},
            "unknown form",
        ),
        (
            lambda: MultiLayerNetExtend(4, [3], 2, use_dropout=1),
            "PyRef.MultiLayerNetExtend",
            (4, [3], 2),
            {"use_dropout": 1},
            "use_dropout must be",
        ),
        (
            lambda: MultiLayerNet(4, [3], 1),
            "PyRef.MultiLayerNet",
            (4, [3], 1),
            {},
            "output_size must be >= 2",
        ),
        (
            lambda: split_validation(np.zeros((4, 2)), np.zeros(4), 0.2),
            "PyRef.split_validation",
            (np.zeros((4, 2)), np.zeros(4)),
            {"validation_rate": 0.2},
            "leaves no validation samples",
        ),
    ],
)
def test_julia_raises_the_same_class_of_error(
    julia_session, python_call, julia_name, args, kwargs, named
) -> None:
    py, jl = both(julia_session, python_call, julia_name, *args, **kwargs)
    assert isinstance(py, (ValueError, TypeError))
    assert isinstance(jl, JuliaArgumentError), jl  # ArgumentError or DimensionMismatch
    assert jl.julia_type in ("ArgumentError", "DimensionMismatch")
    assert named in str(py) or named.split(" must")[0] in str(py)
    assert named in str(jl)


def test_julia_refuses_empty_batches_and_stray_labels(julia_session) -> None:
    net = "PyRef.MultiLayerNet(4, [3], 3; rng=PyRef.NumpyRandom.RandomState(1))"
    for code, message in [
        (f"PyRef.loss({net}, zeros(0, 4), Int[])", "x has no samples"),
        (f"PyRef.loss({net}, zeros(2, 4), [5.0 0 0; 0 5.0 0])", "t must be one-hot rows"),
        (
            f"PyRef.loss({net}, zeros(2, 4), [-1, 0])",
            "t must be class indices in [0, 3), got -1..0",
        ),
        ("PyRef.forward(PyRef.SoftmaxWithLoss(), zeros(2, 3), [-1, 0])", "t must be class indices"),
        (
            "PyRef.Trainer(PyRef.MultiLayerNet(4, [3], 2), zeros(0, 4), Int[], zeros(1, 4), [0])",
            "x_train has no samples",
        ),
        (
            '(m = PyRef.Momentum(); p = PyRef.Params("a" => ones(2)); '
            'PyRef.update!(m, p, PyRef.Params("a" => ones(2))); p["b"] = ones(2); '
            'PyRef.update!(m, p, PyRef.Params("a" => ones(2), "b" => ones(2))))',
            'params has "b", which it did not have at the first update: Momentum.v',
        ),
        ("PyRef.numerical_gradient(x -> sum(x), [1, 2])", "x must be a Float64 array"),
    ]:
        with pytest.raises(JuliaError, match="ArgumentError") as info:
            julia_session.eval(code)
        assert message in str(info.value), code
    # the structs' positional constructors check as the keyword ones do
    rng = "PyRef.NumpyRandom.RandomState(1)"
    for code, message in [
        (
            f"PyRef.Dropout(2.0, {rng}, zeros(0, 0), zeros(0, 0), zeros(0, 0))",
            "dropout_ratio must be in [0, 1)",
        ),
        (
            "PyRef.BatchNormalization(ones(2), zeros(2), 1.5, nothing, nothing, 0, zeros(0, 0), "
            "zeros(0, 0), Float64[], Float64[], Float64[])",
            "momentum must be in [0, 1)",
        ),
        ("PyRef.AdaGrad(0.1, -1.0, nothing)", "eps must be > 0"),
    ]:
        with pytest.raises(JuliaError, match="ArgumentError") as info:
            julia_session.eval(code)
        assert message in str(info.value), code
    with pytest.raises(ValueError, match="dropout_ratio must be in"):
        Dropout(2.0)
    with pytest.raises(JuliaError, match="Relu.backward needs a forward pass first"):
        julia_session.eval("PyRef.backward(PyRef.Relu(), ones(2, 3))")


def test_julia_takes_the_inputs_python_takes(julia_session) -> None:
    ints = np.array([[1, 2], [3, 5]])
    for name, python in (("softmax", softmax), ("sigmoid", sigmoid), ("relu", relu)):
        got = julia_session.call(f"PyRef.{name}", ints)
        assert np.array_equal(got, python(ints)) and got.dtype == python(ints).dtype, name
        f32 = ints.astype(np.float32) / 3
        got = julia_session.call(f"PyRef.{name}", f32)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, python(f32), rtol=1e-6)


# -- L4: write_npy on a full disk ----------------------------------------------------


def test_write_npy_on_a_full_disk_fails_and_leaves_nothing(julia_session, tmp_path: Path) -> None:
    """The worker may write files of at most 64 KiB (RLIMIT_FSIZE, as a full disk:
    writes past it fail); an 800 KB array cannot be written whole."""
    from pyref.runtime.exe import ExeSession

    if not isinstance(julia_session, ExeSession):  # juliacall's Julia is this process
        pytest.skip("needs the executable bridge: the limit is set on the worker process")
    pid = julia_session.info["pid"]
    julia_session.eval(
        f"ccall(:signal, Ptr{{Cvoid}}, (Cint, Ptr{{Cvoid}}), {int(signal.SIGXFSZ)}, "
        "Ptr{Cvoid}(1)); nothing"
    )  # SIG_IGN: a write past the limit fails with EFBIG
    old = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    target = tmp_path / "big.npy"
    try:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1 << 16, old[1]))
        with pytest.raises(JuliaError, match=r"write_npy: could not write .*big\.npy") as info:
            julia_session.call("PyRef.write_npy", str(target), np.zeros(100_000))
        assert "100064" in str(info.value) or "800" in str(info.value)
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, old)
    assert os.listdir(tmp_path) == []  # neither the file nor its temporary
    assert julia_session.call("PyRef.write_npy", str(target), np.arange(3.0)) == str(target)
    assert np.load(target).tolist() == [0.0, 1.0, 2.0]
