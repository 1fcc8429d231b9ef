"""Search spaces (pyref.study.space), samplers and pruners (pyref.study.samplers), the
search figures (pyref.study.figures) and the samplers' benchmark (pyref.bench.search)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pyref.search import sample_hyperparameters
from pyref.study.space import (
    DEFAULT_SPACE,
    FIXED,
    PARAMETERS,
    Param,
    SearchSpace,
    SpaceError,
    load_space_file,
    parse_space,
    trial_settings,
)

FOUR = (
    "lr=1e-4:1e-1:log, weight_decay=1e-8:1e-4:log, optimizer=sgd|momentum|adam, hidden_layers=1:4"
)


def test_the_default_space_draws_the_book_s_hyperparameters() -> None:
    assert parse_space(None) == parse_space("") == DEFAULT_SPACE and DEFAULT_SPACE.is_default
    for seed in range(20):
        point = DEFAULT_SPACE.draw(np.random.RandomState(seed))
        assert list(point) == ["weight_decay", "lr"]  # the book's order
        assert (point["weight_decay"], point["lr"]) == sample_hyperparameters(
            np.random.RandomState(seed)
        )
    assert parse_space("weight_decay=1e-8:1e-4:log lr=1e-6:1e-2:log") == DEFAULT_SPACE
    assert not parse_space("lr=1e-6:1e-2:log,weight_decay=1e-8:1e-4:log").is_default  # order


def test_command_line_and_toml_spaces_agree(tmp_path) -> None:
    path = tmp_path / "space.toml"
    path.write_text(
        "[lr]\nlow = 1e-4\nhigh = 1e-1\nlog = true\n\n[weight_decay]\nlow = 1e-8\nhigh = 1e-4\n"
        'log = true\n\n[optimizer]\nchoices = ["sgd", "momentum", "adam"]\n\n'
        "[hidden_layers]\nlow = 1\nhigh = 4\n"
    )
    space = parse_space(FOUR)
    assert parse_space(str(path)) == load_space_file(path) == space
    assert SearchSpace.from_json(space.to_json()) == space
    assert parse_space(space.describe()) == space
    assert space.names == ("lr", "weight_decay", "optimizer", "hidden_layers")
    bn = parse_space("use_batchnorm=true|false, dropout_ratio=0:0.5, batch_size=20|40")
    assert bn.params[0].choices == (True, False) and bn.params[1].low == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("depth=1:3", "unknown search parameter 'depth'"),
        ("lr=0:1:log", "search parameter lr: low 0"),
        ("lr=1e-2:1e-4", "search parameter lr: low 0.01 must be below high 0.0001"),
        ("hidden_layers=1.5:3", "search parameter hidden_layers: low must be an integer"),
        ("optimizer=sgd|adamw", "search parameter optimizer: choice 'adamw'"),
        ("optimizer=1:2", "search parameter optimizer: choice '1:2'"),
        ("dropout_ratio=0:1", "search parameter dropout_ratio: high 1 is not allowed"),
        ("lr=1e-3:1e-1,lr=1e-3:1e-2", "search parameter lr is given twice"),
        ("lr", "--space item 'lr'"),
        ("lr=a:b", "search parameter lr: 'a' is not a number"),
        ("use_batchnorm=yes|no", "search parameter use_batchnorm: choice 'yes'"),
        ("nope.toml", "--space: no file nope.toml"),
    ],
)
def test_bad_spaces_name_the_parameter(text: str, message: str) -> None:
    with pytest.raises(SpaceError) as err:
        parse_space(text)
    assert message in str(err.value)


def test_bad_toml_names_the_parameter(tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[lr]\nlow = 1e-4\n")
    with pytest.raises(SpaceError, match="search parameter lr: give low and high"):
        load_space_file(path)
    path.write_text("[lr\n")
    with pytest.raises(SpaceError, match="is not valid TOML"):
        load_space_file(path)


def test_draws_and_unit_points_stay_in_their_ranges() -> None:
    space = parse_space(FOUR + ", batch_size=8:64:log, dropout_ratio=0:0.5")
    rng = np.random.RandomState(3)
    for _ in range(300):
        for point in (space.draw(rng), space.from_unit(rng.uniform(size=len(space.params)))):
            assert space.check_point(point) == point
    ends = space.from_unit([0.0] * 6), space.from_unit([1.0] * 6)
    assert ends[0]["hidden_layers"] == 1 and ends[1]["hidden_layers"] == 4
    assert math.isclose(ends[0]["lr"], 1e-4) and ends[1]["lr"] < 1e-1
    with pytest.raises(SpaceError, match="outside the space"):
        space.check_point({**ends[0], "hidden_layers": 9})


def test_trial_settings_fill_in_what_the_space_leaves_out() -> None:
    s = trial_settings({"lr": 0.1}, hidden=(20, 20), batch_size=50)
    assert s == {**FIXED, "lr": 0.1, "hidden": (20, 20), "batch_size": 50}
    s = trial_settings({"hidden_layers": 3}, hidden=(20, 10))
    assert s["hidden"] == (20, 20, 20)
    s = trial_settings({"hidden_size": 7, "hidden_layers": 2}, hidden=(20,))
    assert s["hidden"] == (7, 7)
    assert set(PARAMETERS) >= set(FIXED)


def test_qmc_points_depend_on_the_index_only() -> None:
    from pyref.study.samplers import make_pruner, qmc_point

    space = parse_space(FOUR)
    points = [qmc_point(space, 7, i) for i in range(8)]
    assert points == [qmc_point(space, 7, i) for i in range(8)]  # no state between calls
    assert len({p["lr"] for p in points}) == 8 and points != [
        qmc_point(space, 8, i) for i in range(8)
    ]
    for p in points:
        assert space.check_point(p) == p
    with pytest.raises(ValueError, match="unknown pruner"):
        make_pruner("asha", 10)


def test_search_figures_draw_every_kind_of_parameter() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from pyref.study.figures import history_figure, parallel_figure

    space = parse_space(FOUR)
    rng = np.random.RandomState(0)
    trials = []
    for i in range(6):
        point = space.draw(rng)
        trials.append(
            {
                "number": i,
                "state": "pruned" if i % 3 == 2 else "complete",
                "lr": point["lr"],
                "weight_decay": point["weight_decay"],
                "val_acc_list": [0.1 * i, 0.1 * i + 0.05][: 1 + (i % 3 != 2)],
                "params": point,
            }
        )
    hist = history_figure(trials)
    best = [line for line in hist.axes[0].get_lines() if line.get_label() == "best so far"]
    finals = [t["val_acc_list"][-1] if t["state"] == "complete" else -1.0 for t in trials]
    assert list(best[0].get_ydata()) == list(np.maximum.accumulate(finals))  # pruned: no best
    par = parallel_figure(trials, space)
    assert len(par.axes[0].get_lines()) >= 4  # one line per complete trial (and the axes)
    with pytest.raises(TypeError, match="space must be a SearchSpace"):
        parallel_figure(trials, "lr")
    with pytest.raises(ValueError, match=r"trials\[0\] is not a trial record"):
        history_figure([{"lr": 1}])


def test_param_checks_its_kind() -> None:
    with pytest.raises(SpaceError, match="optimizer takes choices"):
        Param("optimizer", "float", 1.0, 2.0)
    with pytest.raises(SpaceError, match="optimizer: no choices given"):
        Param("optimizer", "choice", choices=())
    with pytest.raises(SpaceError, match="hidden_size is an int, not float"):
        Param("hidden_size", "float", 1.0, 2.0)


def test_epochs_to_target_counts_epochs_in_trial_order() -> None:
    from pyref.bench.search import epochs_to_target

    def rec(number, state, accs):
        return {"number": number, "state": state, "val_acc_list": accs, "final_val_acc": accs[-1]}

    records = [
        rec(2, "complete", [0.5, 0.9, 0.9]),
        rec(0, "complete", [0.3, 0.4, 0.6]),
        rec(1, "pruned", [0.95]),
    ]
    assert epochs_to_target(records, 0.6) == 3  # trial 0 reaches it
    assert epochs_to_target(records, 0.9) == 3 + 1 + 3  # a pruned trial never reaches it
    assert epochs_to_target(records, 0.99) == math.inf


def test_time_to_target_runs_the_three_studies_and_reports_each() -> None:
    """A small run of ``pyref bench --only search-ttt``'s measurement, end to end."""
    from pyref.bench.search import STUDIES, bench_time_to_target

    lines: list[str] = []
    r = bench_time_to_target(seeds=1, trials=4, epochs=3, report=lines.append)
    (row,) = r["per_seed"]
    assert [line.split(", ")[1].split(":")[0] for line in lines] == [n for n, _, _ in STUDIES]
    # The target is random search's best, which random search itself reaches.
    assert row["target"] == row["random"]["best"]
    assert row["random"]["epochs_to_target"] <= row["random"]["epochs_total"] == 4 * 3
    assert row["random"]["pruned"] == row["tpe"]["pruned"] == 0
    for name, _, _ in STUDIES:
        assert row[name]["epochs_total"] <= 4 * 3
        assert r["median_epochs_to_target"][name] == row[name]["epochs_to_target"]
    assert r["tpe_hyperband_over_random"] == (
        row["tpe_hyperband"]["epochs_to_target"] / row["random"]["epochs_to_target"]
    )
