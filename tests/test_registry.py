"""Adding an experiment is one record: a dummy registered in a temporary registry is
seen by every consumer (pyref run --list and run, its figure and overlay, the parity
suite)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from pyref.cli import main
from pyref.experiments import registry
from pyref.experiments.registry import EXPERIMENTS, Experiment, ParityRun
from pyref.figures import new_figure
from pyref.parity import scenarios


def _dummy_run(*, draws: int = 3, rng: np.random.RandomState | None = None) -> dict:
    r = np.random.mtrand._rand if rng is None else rng
    return {"values": r.rand(draws).tolist()}


def _dummy_figure(result: dict, *, data: str | None = None) -> Figure:
    fig = new_figure(3, 2)
    fig.add_subplot(1, 1, 1).plot(result["values"])
    return fig


def _dummy_overlay(py: dict, jl: dict, *, data: str | None = None) -> Figure:
    return _dummy_figure(py)


DUMMY = Experiment(
    "dummy-experiment",
    _dummy_run,
    "6.1.9",
    "A dummy registered by a test",
    _dummy_figure,
    _dummy_overlay,
    needs_data=False,
    progress=False,
    quick={"draws": 2},
    parity=(ParityRun({"draws": 4}), ParityRun(full=True)),
)


@pytest.fixture
def with_dummy(monkeypatch: pytest.MonkeyPatch) -> Experiment:
    monkeypatch.setitem(EXPERIMENTS, DUMMY.name, DUMMY)
    return DUMMY


def test_the_command_line_lists_and_runs_a_registered_experiment(
    with_dummy: Experiment, tmp_path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["run", "--list"]) == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["dummy-experiment", "6.1.9", "A", "dummy", "registered", "by", "a", "test"] in listed
    assert main(["run", DUMMY.name, "--quick", "--seed", "3", "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "dummy-experiment.json").read_text())
    assert record["settings"] == {"draws": 2}
    assert record["result"]["values"] == np.random.RandomState(3).rand(2).tolist()
    assert (tmp_path / "dummy-experiment.png").stat().st_size > 1000


def test_the_parity_suite_builds_a_registered_experiments_scenarios(
    with_dummy: Experiment,
) -> None:
    suite = {sc.name: sc for sc in scenarios.build_suite()}
    quick, full = suite["exp-dummy-experiment"], suite["full-dummy-experiment"]
    assert quick.kwargs == {"name": DUMMY.name, "seed": 7, "settings": {"draws": 4}}
    assert quick.quick and not quick.full and quick.section == "6.1" and quick.inputs is None
    assert full.full and full.kwargs["seed"] == 0
    assert quick.julia == full.julia == "PyRef.Scenarios.experiment"
    out = quick.python(**quick.kwargs)
    assert out == {"values": np.random.RandomState(7).rand(4).tolist()}
    assert "exp-dummy-experiment" not in scenarios.SCENARIOS  # built before the dummy


def test_the_registry_refuses_a_name_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        registry._registry(DUMMY, DUMMY)


def test_every_record_is_complete() -> None:
    for exp in EXPERIMENTS.values():
        assert callable(exp.run) and callable(exp.figure) and callable(exp.overlay)
        assert exp.chapter in (3, 4, 5, 6, 7, 8, None) and exp.parity, exp.name
        assert (exp.chapter is None) == (exp.section == "cs231n"), exp.name


def test_options_are_the_functions_choices() -> None:
    import inspect

    from pyref.cli.run import OPTIONS
    from pyref.experiments.chapter5 import GRADIENT_METHODS

    for exp in EXPERIMENTS.values():
        for option, values in exp.options.items():
            assert option in OPTIONS, (exp.name, option)
            default = inspect.signature(exp.run).parameters[option].default
            assert next(iter(values)) == default, (exp.name, option)  # the first, the default
    assert tuple(EXPERIMENTS["train-two-layer-net"].options["gradient"]) == GRADIENT_METHODS
    assert [e.name for e in EXPERIMENTS.values() if e.takes_weights] == ["neuralnet-mnist"]
