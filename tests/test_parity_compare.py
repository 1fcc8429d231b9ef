"""The parity harness's comparison logic: tiers, CLOSE distances, mismatch reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pyref import parity
from pyref.parity import (
    CLOSE,
    DEFAULT_CLOSE_RTOL,
    EXACT,
    Scenario,
    Tier,
    close,
    compare_output,
    compare_outputs,
    flatten_outputs,
    trajectory,
    ulp_distance,
)


def test_ulp_distance() -> None:
    one = 1.0
    assert ulp_distance(one, np.nextafter(one, 2.0)) == 1
    assert ulp_distance(one, np.nextafter(np.nextafter(one, 0.0), 0.0)) == 2
    assert ulp_distance(-1e-310, 1e-310) == 2 * ulp_distance(0.0, 1e-310)
    assert ulp_distance(float("nan"), 1.0) == math.inf
    assert ulp_distance(float("nan"), float("nan")) == 0


def test_exact_tier_sees_the_last_bit_and_the_sign_of_zero() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = a.copy()
    assert compare_output("s", "o", EXACT, a, b).passed
    b[1, 0] = np.nextafter(3.0, 4.0)
    c = compare_output("s", "o", EXACT, a, b)
    assert not c.passed and c.first_diff == (1, 0) and c.max_ulps == 1
    assert "first differs at index (1, 0)" in c.message() and "1 ULPs" in c.message()
    z = compare_output("s", "o", EXACT, np.array([0.0]), np.array([-0.0]))
    assert not z.passed
    nan = compare_output("s", "o", EXACT, np.array([np.nan, np.inf]), np.array([np.nan, np.inf]))
    assert nan.passed


def test_close_and_trajectory_tiers() -> None:
    a = np.array([1.0, 2.0, 3.0])
    b = a * (1 + 1e-14)
    assert compare_output("s", "o", CLOSE, a, b).passed
    assert not compare_output("s", "o", Tier("close", rtol=1e-15), a, b).passed
    traj = compare_output("s", "loss", trajectory(1e-9), a, a + np.array([0, 1e-12, 1e-10]))
    assert traj.passed and traj.divergence == pytest.approx([0, 1e-12, 1e-10])
    assert not compare_output("s", "acc", trajectory(0), a, a + np.array([0, 0, 1e-3])).passed


def test_shape_and_missing_outputs_fail_with_a_reason() -> None:
    bad = compare_output("s", "o", EXACT, np.zeros(3), np.zeros(4))
    assert not bad.passed and "shapes differ" in bad.message()
    sc = Scenario("s", lambda: {}, "PyRef.f", tiers={"loss": CLOSE})
    results = compare_outputs(sc, {"a": 1.0, "b": {"loss": [1.0]}}, {"a": 1.0, "c": 2})
    verdict = {r.output: r for r in results}
    assert verdict["a"].passed
    assert not verdict["b/loss"].passed and "no such output" in verdict["b/loss"].note
    assert verdict["b/loss"].tier == CLOSE
    assert not verdict["c"].passed


def test_flatten_and_tier_inheritance() -> None:
    flat = flatten_outputs({"variants": {"L2": {"train_acc": [1], "kind": "l2"}}})
    assert set(flat) == {"variants/L2/train_acc", "variants/L2/kind"}
    sc = Scenario("s", lambda: {}, "PyRef.f", tiers={"train_acc": trajectory(0.01)})
    res = compare_outputs(
        sc, {"variants": {"L2": {"train_acc": [0.5]}}}, {"variants": {"L2": {"train_acc": [0.505]}}}
    )
    assert res[0].tier.kind == "trajectory" and res[0].passed
    with pytest.raises(ValueError, match="tier kind"):
        Tier("fuzzy")


def test_close_tier_is_relative_to_the_outputs_scale() -> None:
    # A product whose entry cancels to ~1e-6 carries the error of its O(1) terms.
    a = np.array([1.0, -2.0, 1e-6])
    b = a + np.array([0.0, 4e-16, 4e-16])
    c = compare_output("s", "dW", CLOSE, a, b)
    assert c.passed and c.max_rel == pytest.approx(2e-16) and c.max_ulps > 1e6
    assert not compare_output("s", "dW", CLOSE, a, a + np.array([0, 0, 1e-11])).passed
    noise = np.array([1e-17, -3e-18])
    assert not compare_output("s", "db", CLOSE, noise, -noise).passed
    assert compare_output("s", "db", close(atol=1e-15), noise, -noise).passed
    assert close(atol=1e-15).describe() == "close≤1e-12+1e-15"
    with pytest.raises(ValueError, match="atol"):
        close(atol=-1.0)


def test_the_old_tier_name_ulp_says_it_is_now_close() -> None:
    assert CLOSE == close() == Tier("close", rtol=DEFAULT_CLOSE_RTOL)
    with pytest.raises(ValueError, match="'ulp' is now called 'close'"):
        Tier("ulp")
    # A scenario file written for the old name stops at its import, saying what to write.
    for old, new in (
        ("ulp", "close"),
        ("ULP", "CLOSE"),
        ("DEFAULT_ULP_RTOL", "DEFAULT_CLOSE_RTOL"),
    ):
        with pytest.raises(ValueError, match=f"'{old}' is now called '{new}'"):
            exec(f"from pyref.parity import {old}", {})
    with pytest.raises(AttributeError):
        parity.no_such_name  # noqa: B018
    assert not hasattr(parity, "no_such_name")


def test_lists_of_dicts_compare_item_by_item() -> None:
    flat = flatten_outputs({"trials": [{"lr": 0.1, "acc": [0.5]}, {"lr": 0.2, "acc": [0.6]}]})
    assert set(flat) == {"trials/0/lr", "trials/0/acc", "trials/1/lr", "trials/1/acc"}
    assert flatten_outputs({"curve": [0.1, 0.2]}) == {"curve": [0.1, 0.2]}


def test_trajectory_divergence_per_iteration_in_ulps() -> None:
    a = np.array([1.0, 1.0, 1.0])
    b = np.array([1.0, np.nextafter(1.0, 2.0), 1.0 + 4 * np.finfo(float).eps])
    c = compare_output("s", "loss", trajectory(1e-9), a, b)
    assert c.divergence_ulps == [0.0, 1.0, 4.0] and c.passed


def test_divergence_figures_one_per_training_scenario() -> None:
    sc = Scenario("train", lambda: {}, "PyRef.f", tiers={"loss": trajectory(1e-9)})
    a = np.array([1.0, 1.0, 1.0])
    b = np.array([1.0, np.nextafter(1.0, 2.0), 1.0])
    comps = [
        compare_output("train", "loss", trajectory(1e-9), a, b),
        compare_output("train", "acc", trajectory(0), a, a),
    ]
    results = [
        parity.ScenarioResult(sc, comps),
        parity.ScenarioResult(
            Scenario("one-pass", lambda: {}, "PyRef.f"),
            [compare_output("one-pass", "x", EXACT, a, a)],
        ),
    ]
    figures = parity.divergence_figures(results)
    assert list(figures) == ["train"]
    (ax,) = figures["train"].axes
    assert ax.get_yscale() == "log" and "train" in ax.get_title()
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]
    assert any("bit-identical throughout: acc" in t.get_text() for t in ax.texts)
    # ULPs read as plain numbers (1, 10), not as powers of ten in mathtext.
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)]
    assert "1" in labels and not any("$" in label for label in labels)


def test_scenarios_check_their_definition() -> None:
    with pytest.raises(ValueError, match="scenario name"):
        Scenario("bad name", lambda: {}, "PyRef.f")
    with pytest.raises(TypeError, match="callable"):
        Scenario("s", "not callable", "PyRef.f")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a Tier"):
        Scenario("s", lambda: {}, "PyRef.f", tiers={"x": "exact"})  # type: ignore[dict-item]
    sc = Scenario("s", lambda **kw: kw, "PyRef.f", kwargs={"a": 1}, inputs=lambda: {"b": 2})
    assert sc.arguments() == {"a": 1, "b": 2}


def test_register_and_select() -> None:
    builtin = parity.all_scenarios()
    assert "layer-batchnorm" in builtin and all(sc.section for sc in builtin.values())
    quick = parity.select(quick=True)
    assert 0 < len(quick) < len(builtin) and all(sc.quick for sc in quick)
    assert [sc.name for sc in parity.select(["random-rand", "random-rand"])] == ["random-rand"]
    assert {sc.section for sc in parity.select(section="6.3")} == {"6.3"}
    with pytest.raises(ValueError, match="unknown scenario"):
        parity.select(["nope"])
    with pytest.raises(ValueError, match="exists already"):
        parity.register(Scenario("layer-batchnorm", lambda: {}, "PyRef.f"))
    with pytest.raises(TypeError, match="Scenario"):
        parity.register("layer-batchnorm")  # type: ignore[arg-type]
