"""pyref.checks, function by function: a good value passes and comes back as it should
be used, each bad one raises ValueError or TypeError with a message that names the
argument. Julia's twin is julia/test/test_checks.jl.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyref import checks


def refused(exc: type[Exception], match: str, f, *args, **kwargs) -> None:
    """``f(*args, **kwargs)`` raises ``exc`` with a message matching ``match``."""
    with pytest.raises(exc, match=match):
        f(*args, **kwargs)


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0.0),
        (-2, -2.0),
        (1.5, 1.5),
        (np.float32(0.25), 0.25),
        (np.int64(3), 3.0),
        (np.float64(-1e300), -1e300),
        (5e-324, 5e-324),
    ],
)
def test_check_real_returns_a_float(value, expected: float) -> None:
    got = checks.check_real("lr", value)
    assert type(got) is float and got == expected


@pytest.mark.parametrize(
    "value, exc, match",
    [
        (True, TypeError, r"^lr must be a real number, not bool$"),
        (np.bool_(False), TypeError, r"^lr must be a real number, not bool"),
        ("0.1", TypeError, r"^lr must be a real number, not str$"),
        (None, TypeError, r"^lr must be a real number, not NoneType$"),
        (1j, TypeError, r"^lr must be a real number, not complex$"),
        (np.array(0.1), TypeError, r"^lr must be a real number, not ndarray$"),
        (float("nan"), ValueError, r"^lr must be finite, got nan$"),
        (float("-inf"), ValueError, r"^lr must be finite, got -inf$"),
        (np.float32("inf"), ValueError, r"^lr must be finite, got inf$"),
    ],
)
def test_check_real_refuses(value, exc, match: str) -> None:
    refused(exc, match, checks.check_real, "lr", value)


def test_check_positive() -> None:
    assert checks.check_positive("eps", 1e-8) == 1e-8
    assert checks.check_positive("eps", 5e-324) == 5e-324
    assert type(checks.check_positive("eps", 2)) is float
    refused(ValueError, r"^eps must be > 0, got 0$", checks.check_positive, "eps", 0)
    refused(ValueError, r"^eps must be > 0, got -0.0$", checks.check_positive, "eps", -0.0)
    refused(ValueError, r"^eps must be > 0, got -1$", checks.check_positive, "eps", -1)
    refused(ValueError, r"^eps must be finite", checks.check_positive, "eps", float("inf"))
    refused(TypeError, r"^eps must be a real number, not str$", checks.check_positive, "eps", "1")


def test_check_nonnegative() -> None:
    assert checks.check_nonnegative("weight_decay_lambda", 0) == 0.0
    assert checks.check_nonnegative("weight_decay_lambda", 0.1) == 0.1
    refused(
        ValueError,
        r"^weight_decay_lambda must be >= 0, got -1e-09$",
        checks.check_nonnegative,
        "weight_decay_lambda",
        -1e-9,
    )
    refused(
        ValueError,
        r"^weight_decay_lambda must be finite",
        checks.check_nonnegative,
        "weight_decay_lambda",
        float("nan"),
    )
    refused(
        TypeError,
        r"^weight_decay_lambda must be a real number, not bool$",
        checks.check_nonnegative,
        "weight_decay_lambda",
        False,
    )


def test_check_unit_interval_closed_low() -> None:
    for value in (0, 0.0, 0.5, 0.999999):
        assert checks.check_unit_interval("dropout_ratio", value) == float(value)
    for value in (1, 1.0, -0.1, 2):
        refused(
            ValueError,
            rf"^dropout_ratio must be in \[0, 1\), got {value}$",
            checks.check_unit_interval,
            "dropout_ratio",
            value,
        )
    refused(
        TypeError,
        r"^dropout_ratio must be a real number",
        checks.check_unit_interval,
        "dropout_ratio",
        "0.5",
    )


def test_check_unit_interval_open_low() -> None:
    assert checks.check_unit_interval("momentum", 0.9, closed_low=False) == 0.9
    assert checks.check_unit_interval("momentum", 1e-300, closed_low=False) == 1e-300
    for value in (0, 0.0, 1.0, -0.5):
        refused(
            ValueError,
            rf"^momentum must be in \(0, 1\), got {value}$",
            checks.check_unit_interval,
            "momentum",
            value,
            closed_low=False,
        )


# -- integers --------------------------------------------------------------------------


def test_check_positive_int() -> None:
    for value in (1, 100, np.int32(7), np.uint8(255)):
        got = checks.check_positive_int("epochs", value)
        assert type(got) is int and got == int(value)
    refused(ValueError, r"^epochs must be >= 1, got 0$", checks.check_positive_int, "epochs", 0)
    refused(ValueError, r"^epochs must be >= 1, got -5$", checks.check_positive_int, "epochs", -5)
    for value, kind in (
        (True, "bool"),
        (2.0, "float"),
        ("3", "str"),
        (None, "NoneType"),
        (np.float64(2), "float64"),
    ):
        refused(
            TypeError,
            rf"^epochs must be an int, not {kind}$",
            checks.check_positive_int,
            "epochs",
            value,
        )


def test_check_nonnegative_int() -> None:
    for value in (0, 3, np.int64(0)):
        got = checks.check_nonnegative_int("pad", value)
        assert type(got) is int and got == int(value)
    refused(ValueError, r"^pad must be >= 0, got -1$", checks.check_nonnegative_int, "pad", -1)
    refused(
        TypeError, r"^pad must be an int, not bool$", checks.check_nonnegative_int, "pad", False
    )
    refused(TypeError, r"^pad must be an int, not float$", checks.check_nonnegative_int, "pad", 1.0)


# -- arrays ----------------------------------------------------------------------------


def test_check_array_returns_the_array_itself() -> None:
    for x in (
        np.zeros((2, 3)),
        np.arange(4, dtype=np.uint8),
        np.ones(3, dtype=bool),
        np.zeros((2, 1, 3, 3), dtype=np.float32),
        np.array(1.5),
    ):
        assert checks.check_array("x", x) is x
    x = np.zeros((2, 3))
    assert checks.check_array("x", x, ndim=2) is x
    assert checks.check_array("x", x, ndim=(1, 2)) is x
    assert checks.check_array("x", np.array([np.nan, np.inf]), finite=False).shape == (2,)
    # integers cannot be NaN: finiteness is a float's question
    t = np.array([0, 2**62])
    assert checks.check_array("t", t) is t


@pytest.mark.parametrize(
    "x, kwargs, exc, match",
    [
        ([1.0, 2.0], {}, TypeError, r"^x must be a numpy array, not list$"),
        (3.0, {}, TypeError, r"^x must be a numpy array, not float$"),
        (np.array(["a"]), {}, TypeError, r"^x must hold numbers, not dtype <U1$"),
        (np.array([1 + 2j]), {}, TypeError, r"^x must hold numbers, not dtype complex128$"),
        (np.array([None]), {}, TypeError, r"^x must hold numbers, not dtype object$"),
        (np.zeros(3), {"ndim": 2}, ValueError, r"^x must have 2 dimensions, got shape \(3,\)$"),
        (
            np.zeros((1, 2, 3)),
            {"ndim": (1, 2)},
            ValueError,
            r"^x must have 1 or 2 dimensions, got shape \(1, 2, 3\)$",
        ),
        (np.array([1.0, np.nan]), {}, ValueError, r"^x contains NaN or infinite values$"),
        (np.array([[1.0], [-np.inf]]), {}, ValueError, r"^x contains NaN or infinite values$"),
        (np.array([np.inf], dtype=np.float32), {}, ValueError, r"^x contains NaN or infinite"),
    ],
)
def test_check_array_refuses(x, kwargs: dict, exc, match: str) -> None:
    refused(exc, match, checks.check_array, "x", x, **kwargs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_check_array_sees_every_nan_and_inf(dtype) -> None:
    # float64's largest values overflow a sum that is still finite entry by entry
    big = np.finfo(dtype).max
    ok = np.array([big, big, -big, 0.0], dtype=dtype)
    assert checks.check_array("x", ok) is ok
    rng = np.random.RandomState(0)
    x = rng.rand(37, 53).astype(dtype)
    for bad in (np.nan, np.inf, -np.inf):
        for pos in (0, 16, 999, x.size - 1):
            y = x.copy()
            y.flat[pos] = bad
            refused(ValueError, r"^x contains NaN or infinite values$", checks.check_array, "x", y)
            refused(ValueError, r"^x contains NaN", checks.check_array, "x", y.T)


def test_check_flag() -> None:
    assert checks.check_flag("use_batchnorm", True) is True
    assert checks.check_flag("use_batchnorm", np.bool_(False)) is False
    for value, shown in (
        (1, "int 1"),
        (0, "int 0"),
        ("False", "str 'False'"),
        (None, "NoneType None"),
    ):
        refused(
            TypeError,
            rf"^use_batchnorm must be True or False, not {shown}$",
            checks.check_flag,
            "use_batchnorm",
            value,
        )


def test_check_batch() -> None:
    x = np.zeros((1, 4))
    assert checks.check_batch("x", x) is x
    images = np.zeros((2, 1, 5, 5))
    assert checks.check_batch("x", images) is images
    # NaN is the net's business (its own check), not the batch's shape
    assert checks.check_batch("x", np.full((2, 2), np.nan)).shape == (2, 2)
    refused(
        ValueError,
        r"^x must have samples along its first axis and features after it, "
        r"shape \(N, \.\.\.\), got shape \(4,\)$",
        checks.check_batch,
        "x",
        np.zeros(4),
    )
    refused(
        ValueError,
        r"^x has no samples \(an empty batch, shape \(0, 4\)\)$",
        checks.check_batch,
        "x",
        np.zeros((0, 4)),
    )
    refused(TypeError, r"^x must be a numpy array, not list$", checks.check_batch, "x", [[1.0]])


def test_check_one_hot() -> None:
    t = np.array([[0, 1, 0], [1, 0, 0]])
    assert checks.check_one_hot("t", t) is t
    floats = t.astype(float)
    assert checks.check_one_hot("t", floats) is floats
    for bad in (
        [[0, 1, 1], [1, 0, 0]],
        [[0, 0, 0], [1, 0, 0]],
        [[0, 0.5, 0.5], [1, 0, 0]],
        [[2, -1, 0], [1, 0, 0]],
    ):
        refused(
            ValueError,
            r"^t must be one-hot rows \(entries 0 or 1, one 1 per row\)$",
            checks.check_one_hot,
            "t",
            np.array(bad),
        )


def test_check_labels_takes_class_indices_or_one_hot_rows() -> None:
    t = np.array([0, 9, 3], dtype=np.uint8)
    assert checks.check_labels("t", t, 3, 10) is t
    one_hot = np.eye(4)[[1, 3]]
    assert checks.check_labels("t", one_hot, 2, 4) is one_hot
    assert checks.check_labels("t", np.zeros(0, dtype=np.int64), 0, 10).size == 0


@pytest.mark.parametrize(
    "t, batch, classes, exc, match",
    [
        (np.array([0, 1]), 3, 10, ValueError, r"^t has 2 labels for 3 samples$"),
        (
            np.array([0, 10]),
            2,
            10,
            ValueError,
            r"^t must be class indices in \[0, 10\), got 0\.\.10$",
        ),
        (
            np.array([-1, 2]),
            2,
            10,
            ValueError,
            r"^t must be class indices in \[0, 10\), got -1\.\.2$",
        ),
        (
            np.array([0.0, 1.0]),
            2,
            10,
            TypeError,
            r"^t must hold integer class labels, not dtype float64$",
        ),
        (np.eye(3), 3, 4, ValueError, r"^t is one-hot with 3 columns, expected 4$"),
        (np.array([[0, 1], [1, 1]]), 2, 2, ValueError, r"^t must be one-hot rows"),
        (np.zeros((2, 2, 2)), 2, 2, ValueError, r"^t must have 1 or 2 dimensions, got shape"),
        ([0, 1], 2, 2, TypeError, r"^t must be a numpy array, not list$"),
        (np.array([0, np.nan]), 2, 2, ValueError, r"^t contains NaN or infinite values$"),
    ],
)
def test_check_labels_refuses(t, batch: int, classes: int, exc, match: str) -> None:
    refused(exc, match, checks.check_labels, "t", t, batch, classes)


def test_check_choice() -> None:
    choices = ("sgd", "momentum", "adam")
    assert checks.check_choice("optimizer", "adam", choices) == "adam"
    assert checks.check_choice("optimizer", "AdaM", choices) == "adam"
    assert checks.check_choice("optimizer", "SGD", list(choices)) == "sgd"
    refused(
        ValueError,
        r"^unknown optimizer 'adamw'; choose from sgd, momentum, adam$",
        checks.check_choice,
        "optimizer",
        "adamw",
        choices,
    )
    refused(
        ValueError, r"^unknown optimizer ' sgd'", checks.check_choice, "optimizer", " sgd", choices
    )
    refused(
        TypeError,
        r"^optimizer must be a string, not int$",
        checks.check_choice,
        "optimizer",
        1,
        choices,
    )
    refused(
        TypeError,
        r"^optimizer must be a string, not NoneType$",
        checks.check_choice,
        "optimizer",
        None,
        choices,
    )


def test_every_public_check_is_called_here() -> None:
    public = [
        name
        for name, f in vars(checks).items()
        if callable(f) and not name.startswith("_") and f.__module__ == checks.__name__
    ]
    source = Path(__file__).read_text(encoding="utf-8")
    assert len(public) >= 12
    assert [name for name in public if f"checks.{name}(" not in source] == []
