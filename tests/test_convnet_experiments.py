"""The chapter-7 commands: what their JSON and .npz hold, --params, and the meaning of
their numbers (filters applied as convolutions, small gradient differences)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from pyref.cli import main
from pyref.convnet import SimpleConvNet, load_param_file, save_param_file
from pyref.datasets import load_mnist
from pyref.experiments.chapter7 import apply_filter, convnet_gradient_check, visualize_filter


def test_train_convnet_saves_its_parameters_and_visualize_filter_reads_them(
    tmp_path, capsys
) -> None:
    args = ["--seed", "3", "--out", str(tmp_path)]
    assert main(["run", "train-convnet", "--quick", *args]) == 0
    printed = capsys.readouterr().out
    assert "test acc:" in printed
    record = json.loads((tmp_path / "train-convnet.json").read_text())
    result = record["result"]
    assert record["settings"] == {"epochs": 3}
    assert len(result["train_acc"]) == 3 and len(result["train_loss"]) == 3 * 40  # 4,000 / 100
    assert result["final_test_acc"] > 0.8
    params = load_param_file(tmp_path / "train-convnet-params.npz")
    assert result["params_file"].endswith("train-convnet-params.npz")
    assert params["W1"].shape == (30, 1, 5, 5) and params["W2"].shape == (4320, 100)
    # The saved net scores what the run reported.
    net = SimpleConvNet()
    net.set_params(params)
    (_, _), (x_test, t_test) = load_mnist(flatten=False)
    assert net.accuracy(x_test, t_test) == result["final_test_acc"]

    params_arg = ["--params", str(tmp_path / "train-convnet-params.npz")]
    assert main(["run", "visualize-filter", *params_arg, *args]) == 0
    vis = json.loads((tmp_path / "visualize-filter.json").read_text())["result"]
    np.testing.assert_array_equal(vis["trained_W1"], params["W1"])
    assert vis["trained"] == "given parameters"
    # The "before" filters are a new net's, drawn first from the seeded stream.
    np.testing.assert_array_equal(
        vis["initial_W1"], 0.01 * np.random.RandomState(3).randn(30, 1, 5, 5)
    )
    for name in ("visualize-filter-before.png", "visualize-filter-after.png"):
        assert (tmp_path / name).stat().st_size > 5000


def test_params_option_errors(tmp_path, capsys) -> None:
    assert main(["run", "train-convnet", "--params", "x.npz", "--out", str(tmp_path)]) == 2
    assert "takes no --params" in capsys.readouterr().err
    assert main(["run", "apply-filter", "--params", str(tmp_path / "none.npz")]) == 2
    assert "no parameter file" in capsys.readouterr().err
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps({"W1": np.zeros(3)}))  # read, then refused by its shapes
    assert main(["run", "apply-filter", "--params", str(pkl)]) == 2
    err = capsys.readouterr().err
    assert f"--params: {pkl}" in err and "W1 has shape (3,)" in err
    crafted = tmp_path / "crafted.pkl"
    crafted.write_bytes(
        b"\x80\x04cos\nsystem\n(Vtouch " + str(tmp_path / "ran").encode() + b"\ntR."
    )
    assert main(["run", "apply-filter", "--params", str(crafted)]) == 2
    assert "refers to os.system" in capsys.readouterr().err
    assert not (tmp_path / "ran").exists()


def test_apply_filter_outputs_are_the_filters_correlated_with_the_digit() -> None:
    data = load_mnist(flatten=False)
    params = dict(SimpleConvNet(weight_init_std=0.2, rng=np.random.RandomState(1)).params)
    result = apply_filter(data, params=params, image_index=5, filters=4)
    img = data[1][0][5, 0].astype(np.float64)
    np.testing.assert_array_equal(result["image"], img)
    for i in range(4):
        w = params["W1"][i, 0]
        direct = np.array(
            [[np.sum(img[r : r + 5, c : c + 5] * w) for c in range(24)] for r in range(24)]
        )
        np.testing.assert_allclose(result["outputs"][i], direct, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="filters=31 but the net has 30 filters"):
        apply_filter(data, params=params, filters=31)
    with pytest.raises(ValueError, match="image_index=1000 but the data has 1000 test images"):
        apply_filter(data, params=params, image_index=1000)


def test_visualize_filter_trains_the_net_it_draws() -> None:
    data = load_mnist(flatten=False)
    result = visualize_filter(data, epochs=1, train_samples=200, rng=np.random.RandomState(2))
    assert result["trained"] == "trained here for 1 epochs"
    assert not np.array_equal(result["initial_W1"], result["trained_W1"])
    with pytest.raises(ValueError, match="the data must be images"):
        visualize_filter(load_mnist(), epochs=1, train_samples=100)


def test_gradient_check_agrees_and_is_seeded(tmp_path, capsys) -> None:
    a = convnet_gradient_check(rng=np.random.RandomState(0))
    b = convnet_gradient_check(rng=np.random.RandomState(0))
    assert a == b and set(a["diff"]) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert all(0 <= d < 1e-4 for d in a["diff"].values())
    assert main(["run", "convnet-gradient-check", "--seed", "0", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("W1 ") for line in lines)


def test_param_files_are_npz_whatever_their_name(tmp_path) -> None:
    path = save_param_file(tmp_path / "params.pkl", {"W1": np.arange(4.0)})
    with np.load(path, allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["W1"], np.arange(4.0))
