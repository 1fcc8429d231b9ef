"""Optimizers: the book's update rules to the bit, state handling, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from pyref.optimizers import (
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    Nesterov,
    RMSprop,
    make_optimizer,
)


def plain_rule(name: str, steps: int, p0: dict, gs: list[dict]) -> dict:
    """The book's formulas written out plainly (new arrays each step, no in-place tricks)."""
    p = {k: v.copy() for k, v in p0.items()}
    s1 = {k: np.zeros_like(v) for k, v in p.items()}
    s2 = {k: np.zeros_like(v) for k, v in p.items()}
    for it, g in enumerate(gs[:steps], start=1):
        for k in p:
            if name == "sgd":
                p[k] = p[k] - 0.01 * g[k]
            elif name == "momentum":
                s1[k] = 0.9 * s1[k] - 0.01 * g[k]
                p[k] = p[k] + s1[k]
            elif name == "nesterov":
                p[k] = p[k] + 0.9 * 0.9 * s1[k]
                p[k] = p[k] - (1 + 0.9) * 0.01 * g[k]
                s1[k] = s1[k] * 0.9
                s1[k] = s1[k] - 0.01 * g[k]
            elif name == "adagrad":
                s1[k] = s1[k] + g[k] * g[k]
                p[k] = p[k] - 0.01 * g[k] / (np.sqrt(s1[k]) + 1e-7)
            elif name == "rmsprop":
                s1[k] = s1[k] * 0.99
                s1[k] = s1[k] + (1 - 0.99) * g[k] * g[k]
                p[k] = p[k] - 0.01 * g[k] / (np.sqrt(s1[k]) + 1e-7)
            elif name == "adam":
                lr_t = 0.001 * np.sqrt(1.0 - 0.999**it) / (1.0 - 0.9**it)
                s1[k] = s1[k] + (1 - 0.9) * (g[k] - s1[k])
                s2[k] = s2[k] + (1 - 0.999) * (g[k] ** 2 - s2[k])
                p[k] = p[k] - lr_t * s1[k] / (np.sqrt(s2[k]) + 1e-7)
    return p


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_updates_match_the_book_formulas_bit_for_bit(name: str) -> None:
    rs = np.random.RandomState(7)
    p0 = {"W": rs.randn(6, 4), "b": rs.randn(4)}
    gs = [{k: rs.randn(*v.shape) for k, v in p0.items()} for _ in range(25)]
    params = {k: v.copy() for k, v in p0.items()}
    opt = make_optimizer(name)
    for g in gs:
        opt.update(params, g)
    want = plain_rule(name, 25, p0, gs)
    for k in params:
        assert params[k].tobytes() == want[k].tobytes(), (name, k)


def test_update_is_in_place_and_scalars_work() -> None:
    W = np.ones((2, 2))
    params = {"W": W}
    SGD(lr=0.5).update(params, {"W": np.ones((2, 2))})
    assert params["W"] is W and np.all(W == 0.5)
    scalars = {"x": -7.0, "y": 2.0}
    opt = Adam(lr=0.3)
    opt.update(scalars, {"x": -0.7, "y": 4.0})
    assert np.ndim(scalars["x"]) == 0 and np.ndim(scalars["y"]) == 0  # still scalars
    assert scalars["x"] > -7.0 and scalars["y"] < 2.0
    assert opt.iter == 1


def test_state_is_exposed_under_the_book_names_and_can_be_preset() -> None:
    params = {"w": np.zeros(3)}
    grads = {"w": np.ones(3)}
    m = Momentum(lr=0.1, momentum=0.5)
    m.v = {"w": np.full(3, 2.0)}  # start from a given velocity
    m.update(params, grads)
    np.testing.assert_array_equal(m.v["w"], 0.5 * 2.0 - 0.1)
    np.testing.assert_array_equal(params["w"], 0.9)
    for opt, attrs in ((Nesterov(), "v"), (AdaGrad(), "h"), (RMSprop(), "h"), (Adam(), "m")):
        assert getattr(opt, attrs) is None
        opt.update({"w": np.zeros(3)}, grads)
        assert getattr(opt, attrs)["w"].shape == (3,)


def test_adam_paper_form_matches_algorithm_1() -> None:
    rs = np.random.RandomState(1)
    p = rs.randn(5)
    gs = rs.randn(10, 5)
    params = {"p": p.copy()}
    opt = Adam(lr=0.01, form="paper", eps=1e-8)
    m = np.zeros(5)
    v = np.zeros(5)
    want = p.copy()
    for t, g in enumerate(gs, start=1):
        opt.update(params, {"p": g})
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + (1 - 0.999) * (g * g)
        want = want - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(params["p"], want, rtol=1e-13)
    # The two forms really differ.
    other = {"p": p.copy()}
    tb = Adam(lr=0.01)
    for g in gs:
        tb.update(other, {"p": g})
    assert not np.array_equal(other["p"], params["p"])


def test_eps_keyword_changes_the_denominator() -> None:
    a, b = {"w": np.zeros(1)}, {"w": np.zeros(1)}
    AdaGrad(lr=1.0).update(a, {"w": np.array([1e-8])})
    AdaGrad(lr=1.0, eps=1.0).update(b, {"w": np.array([1e-8])})
    assert a["w"][0] != b["w"][0]


@pytest.mark.parametrize(
    ("factory", "arg"),
    [
        (lambda: SGD(lr=0), "lr"),
        (lambda: SGD(lr=-1), "lr"),
        (lambda: SGD(lr=float("nan")), "lr"),
        (lambda: Momentum(momentum=1.0), "momentum"),
        (lambda: RMSprop(decay_rate=-0.1), "decay_rate"),
        (lambda: Adam(beta2=1.5), "beta2"),
        (lambda: Adam(form="bogus"), "form"),
        (lambda: AdaGrad(eps=0), "eps"),
        (lambda: make_optimizer("adamw"), "optimizer"),
    ],
)
def test_bad_arguments_name_the_argument(factory, arg: str) -> None:
    with pytest.raises(ValueError, match=arg):
        factory()


def test_bad_types_and_mismatched_grads() -> None:
    with pytest.raises(TypeError, match="lr"):
        SGD(lr="fast")
    with pytest.raises(ValueError, match="grads has no entry"):
        SGD().update({"W": np.zeros(2)}, {})
    with pytest.raises(ValueError, match="shape"):
        SGD().update({"W": np.zeros(2)}, {"W": np.zeros(3)})
