"""Every experiment end to end in --quick mode through the CLI, plus its data's meaning."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyref.cli import main
from pyref.experiments import optimizer_compare_naive
from pyref.experiments.registry import EXPERIMENTS
from pyref.fileio import write_json


def run(tmp_path, name: str, *extra: str) -> dict:
    assert main(["run", name, "--quick", "--seed", "0", "--out", str(tmp_path), *extra]) == 0
    record = json.loads((tmp_path / f"{name}.json").read_text())
    assert record["experiment"] == name and record["seed"] == 0 and record["quick"] is True
    pngs = list(tmp_path.glob(f"{name}*.png"))
    assert pngs and all(p.stat().st_size > 5000 for p in pngs)
    assert not list(tmp_path.glob(".*tmp"))
    return record["result"]


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_experiment_runs_quick(tmp_path, name: str) -> None:
    result = run(tmp_path, name)
    assert result


def test_naive_paths_follow_the_update_rules() -> None:
    paths = optimizer_compare_naive()["paths"]
    assert paths["SGD"]["x"][0] == -7.0 and paths["SGD"]["y"][0] == 2.0
    # SGD(lr=0.95): x <- x - 0.95 * x / 10, y <- y - 0.95 * 2y
    assert paths["SGD"]["x"][1] == -7.0 - 0.95 * (-7.0 / 10.0)
    assert paths["SGD"]["y"][1] == 2.0 - 0.95 * (2.0 * 2.0)
    for path in paths.values():  # every optimizer ends nearer the minimum than it started
        assert abs(path["x"][-1]) + abs(path["y"][-1]) < 9.0


def test_results_mean_what_they_say(tmp_path, capsys: pytest.CaptureFixture) -> None:
    res = run(tmp_path, "optimizer-compare-mnist")
    for losses in res["train_loss"].values():
        assert len(losses) == 60 and np.all(np.isfinite(losses))
        assert np.mean(losses[-10:]) < np.mean(losses[:10])
    res = run(tmp_path, "hyperparameter-optimization")
    for trial in res["trials"]:
        assert 1e-6 <= trial["lr"] <= 1e-2 and 1e-8 <= trial["weight_decay"] <= 1e-4
        assert len(trial["val_acc_list"]) == 3  # evaluated once per epoch
    assert "Best-1(val acc:" in capsys.readouterr().out
    res = run(tmp_path, "batch-norm-gradient-check")
    assert res["diff"]["W1"] < 1e-6 and set(res["diff"]) >= {"W1", "gamma1", "beta2", "W3"}
    hist = run(tmp_path, "weight-init-activation-histogram")
    counts = hist["counts"]["sigmoid"]["std=1"]
    assert len(counts) == 5 and len(counts[0]) == 30
    assert sum(counts[0]) == 100_000  # sigmoid outputs all lie in (0, 1)
    # The fitted histograms count every output: tanh's in (-1, 1), ReLU's nonzero ones
    # over (0, the layer's largest) plus its zeros apart.
    fitted = hist["fitted"]
    for layer in range(5):
        assert sum(fitted["tanh"]["std=0.01"]["counts"][layer]) == 100_000
        relu = fitted["relu"]["std=1"]
        assert sum(relu["counts"][layer]) + relu["zeros"][layer] == 100_000
        assert relu["edges"][layer][0] == 0.0 and relu["edges"][layer][-1] > 1.0
        assert 0.3 < relu["zeros"][layer] / 100_000 < 0.7  # about half the units are off
    assert fitted["tanh"]["He"]["edges"][0][0] == -1.0
    assert fitted["sigmoid"]["He"]["counts"] == hist["counts"]["sigmoid"]["He"]


def test_gradient_vanishing_sigmoid_with_small_weights_does_not_learn(tmp_path) -> None:
    res = run(tmp_path, "gradient-vanishing")["configs"]
    assert res["sigmoid, std=0.01"]["test_acc"][-1] <= 0.2
    assert res["ReLU, He"]["test_acc"][-1] > 0.5


def test_cs231n_runs_mean_what_they_say(tmp_path, capsys: pytest.CaptureFixture) -> None:
    res = run(tmp_path, "cs231n-overfit")
    assert res["final_train_acc"] == 1.0 and res["train_acc_history"][-1] == 1.0
    assert len(res["loss_history"]) == 20 * (50 // 25)  # one loss per iteration
    assert len(res["val_acc_history"]) == 20 + 1  # after the first iteration, then each epoch
    assert np.mean(res["loss_history"][-5:]) < 0.1 < res["loss_history"][0]
    assert "(Epoch 20 / 20) train acc: 1.000000; val_acc:" in capsys.readouterr().out
    res = run(tmp_path, "cs231n-update-rules")
    assert list(res["rules"]) == ["sgd", "sgd_momentum", "rmsprop", "adam"]
    for rule, runs in res["rules"].items():
        assert len(runs["loss_history"]) == 2 * (1000 // 100), rule
        assert np.mean(runs["loss_history"][-3:]) < np.mean(runs["loss_history"][:3]), rule
    # adam at 1e-3 learns faster than plain sgd at 5e-3, as the notebook shows
    assert (
        res["rules"]["adam"]["train_acc_history"][-1] > res["rules"]["sgd"]["train_acc_history"][-1]
    )
    assert res["rules"]["rmsprop"]["learning_rate"] == 1e-4


def test_cs231n_runs_check_their_arguments() -> None:
    from pyref.datasets import load_mnist
    from pyref.experiments import cs231n_overfit, cs231n_update_rules

    data = load_mnist()
    with pytest.raises(ValueError, match="rules: unknown update rule 'nesterov'"):
        cs231n_update_rules(data, rules=["sgd", "nesterov"])
    with pytest.raises(ValueError, match="num_train=5000 but the data has 4000"):
        cs231n_overfit(data, num_train=5000)
    with pytest.raises(ValueError, match="num_val"):
        cs231n_overfit(data, num_val=0)
    with pytest.raises(ValueError, match="x_train must be rows of pixels"):
        (x, t), test = data
        cs231n_overfit(((x.reshape(-1, 1, 28, 28), t), test))


def test_same_seed_same_numbers(tmp_path) -> None:
    a = run(tmp_path / "a", "overfit-dropout")
    b = run(tmp_path / "b", "overfit-dropout")
    assert a == b
    assert (
        main(["run", "overfit-dropout", "--quick", "--seed", "1", "--out", str(tmp_path / "c")])
        == 0
    )
    c = json.loads((tmp_path / "c" / "overfit-dropout.json").read_text())["result"]
    assert c != a


def test_list_unknown_and_bad_seed(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in EXPERIMENTS)
    assert main(["run", "optimizer-compare-adam"]) == 2
    assert "unknown experiment" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "optimizer-compare-naive", "--seed", "-3"])


def test_console_script_and_offline_full_mnist(tmp_path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "run",
            "optimizer-compare-naive",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "optimizer-compare-naive.png").exists()
    # Nothing listens on port 9 of this machine: the download fails with or without internet.
    env = {
        "PYREF_DATA_DIR": str(tmp_path / "nothing-here"),
        "PATH": "/usr/bin:/bin",
        "PYREF_MNIST_MIRRORS": "http://127.0.0.1:9/",
    }
    import os

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyref.cli",
            "run",
            "overfit-dropout",
            "--quick",
            "--data",
            "mnist",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "--data embedded" in proc.stderr


def test_failed_write_leaves_no_file(tmp_path) -> None:
    with pytest.raises(TypeError):
        write_json(tmp_path / "x.json", {"a": object()})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name", ["optimizer-compare-naive", "batch-norm-gradient-check", "cs231n-overfit"]
)
def test_engine_both_draws_each_language_and_an_overlay(
    tmp_path, name: str, julia_exe, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from pyref.runtime import close_session

    monkeypatch.setenv("PYREF_JULIA", str(julia_exe))
    try:
        assert main(["run", name, "--quick", "--engine", "both", "--out", str(tmp_path)]) == 0
    finally:
        close_session()
    out = capsys.readouterr().out
    assert "seed: 0 (the Julia engine needs a seed" in out
    py = json.loads((tmp_path / f"{name}.json").read_text())
    jl = json.loads((tmp_path / f"{name}-julia.json").read_text())
    assert (py["engine"], jl["engine"]) == ("python", "julia") and py["seed"] == jl["seed"] == 0
    assert list(py["result"]) == list(jl["result"])  # Julia's keys in Python's order
    if name == "cs231n-overfit":  # numpy's global stream, drawn alike by PyRef.CS231n
        assert py["result"]["train_acc_history"] == jl["result"]["train_acc_history"]
        np.testing.assert_allclose(
            py["result"]["loss_history"], jl["result"]["loss_history"], rtol=1e-9
        )
    elif name == "optimizer-compare-naive":  # plain float arithmetic: the same to the bit
        assert py["result"] == jl["result"]
    else:
        assert list(py["result"]["diff"]) == list(jl["result"]["diff"])
        np.testing.assert_allclose(
            list(py["result"]["diff"].values()),
            list(jl["result"]["diff"].values()),
            rtol=1e-6,
            atol=1e-12,
        )
    for png in (f"{name}.png", f"{name}-julia.png", f"{name}-overlay.png"):
        assert (tmp_path / png).stat().st_size > 5000, png


# --- chapters 3 to 5 ---------------------------------------------------------------

BOOK_WEIGHTS = Path("/tmp/book/ch03/sample_weight.pkl")


def _sample_weights(seed: int) -> dict[str, np.ndarray]:
    """Weights of sample_weight.pkl's shapes and dtype (float32), drawn."""
    r = np.random.RandomState(seed)
    sizes = (784, 50, 100, 10)
    out = {}
    for i in range(3):
        out[f"W{i + 1}"] = (r.randn(sizes[i], sizes[i + 1]) * 0.1).astype(np.float32)
        out[f"b{i + 1}"] = (r.randn(sizes[i + 1]) * 0.1).astype(np.float32)
    return out


def test_neuralnet_mnist_reads_the_weights_it_is_given(tmp_path, capsys) -> None:
    import pickle

    from pyref.datasets import load_mnist
    from pyref.simple_nets import predict

    weights = _sample_weights(3)
    path = tmp_path / "sample_weight.pkl"
    path.write_bytes(pickle.dumps(weights))
    assert main(["run", "neuralnet-mnist", "--weights", str(path), "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "neuralnet-mnist.json").read_text())
    assert record["settings"]["weights"] == str(path)
    result = record["result"]
    assert "sample_weight.pkl (given)" in result["weights"]
    (_, _), (x, t) = load_mnist()
    hits = [int(np.argmax(predict(weights, x[i]))) == t[i] for i in range(len(x))]
    assert result["accuracy"] == sum(hits) / len(x) and result["test_samples"] == len(x)
    assert result["labels"] == [int(v) for v in t[:10]]
    assert f"Accuracy:{result['accuracy']}" in capsys.readouterr().out
    # Without weights it trains the same net and says so.
    trained = run(tmp_path / "own", "neuralnet-mnist")
    assert "trained here" in trained["weights"] and trained["accuracy"] > 0.6


def test_neuralnet_mnist_refuses_bad_weights(tmp_path, capsys) -> None:
    import pickle

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"W1": Evil()}))
    assert main(["run", "neuralnet-mnist", "--weights", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--weights" in err and "system" in err and "Traceback" not in err
    assert main(["run", "gradient-descent", "--weights", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "gradient-descent takes no --params (only" in err and "neuralnet-mnist" in err
    assert not (tmp_path / "neuralnet-mnist.json").exists()


@pytest.mark.skipif(not BOOK_WEIGHTS.exists(), reason="no book checkout at /tmp/book")
def test_neuralnet_mnist_on_the_books_weights(tmp_path) -> None:
    args = ["run", "neuralnet-mnist", "--weights", str(BOOK_WEIGHTS), "--out", str(tmp_path)]
    assert main(args) == 0
    result = json.loads((tmp_path / "neuralnet-mnist.json").read_text())["result"]
    assert result["accuracy"] > 0.9  # the book reports 0.9352 on all 10,000 test digits


def test_gradient_descent_path_shrinks_by_one_minus_2lr(tmp_path) -> None:
    res = run(tmp_path, "gradient-descent")
    path = np.array(res["x_history"])
    assert path.shape == (20, 2) and list(path[0]) == [-3.0, 4.0]
    # the gradient of x0² + x1² is 2x: each step multiplies x by 1 - 2·0.1
    np.testing.assert_allclose(path[1:], path[:-1] * 0.8, rtol=1e-7)
    np.testing.assert_allclose(res["x"], path[-1] * 0.8, rtol=1e-7)


def test_train_two_layer_net_gradient_option(tmp_path, capsys) -> None:
    res = run(tmp_path / "b", "train-two-layer-net")
    assert res["gradient"] == "backprop" and len(res["train_loss"]) == 200
    assert len(res["train_acc"]) == 5  # 4,000 digits / 100: an epoch every 40 steps
    assert np.mean(res["train_loss"][-20:]) < np.mean(res["train_loss"][:20])
    assert res["test_acc"][-1] > 0.5
    res = run(tmp_path / "n", "train-two-layer-net", "--gradient", "numerical")
    assert res["gradient"] == "numerical" and len(res["train_loss"]) == 3
    record = json.loads((tmp_path / "n" / "train-two-layer-net.json").read_text())
    assert record["settings"]["gradient"] == "numerical"
    assert main(["run", "train-two-layer-net", "--gradient", "exact", "--out", str(tmp_path)]) == 2
    assert "--gradient must be one of backprop, numerical" in capsys.readouterr().err
    assert main(["run", "gradient-descent", "--gradient", "numerical", "--out", str(tmp_path)]) == 2
    assert "takes no --gradient (only train-two-layer-net" in capsys.readouterr().err


def test_gradient_check_agrees(tmp_path, capsys) -> None:
    res = run(tmp_path, "gradient-check")
    assert list(res["diff"]) == ["W1", "b1", "W2", "b2"] and res["samples"] == 3
    assert all(0 < d < 1e-6 for d in res["diff"].values())
    out = capsys.readouterr().out
    assert all(f"{key}:{d}" in out for key, d in res["diff"].items())


def test_train_two_layer_net_numerical_in_both_languages(
    tmp_path, julia_exe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyref.runtime import close_session

    monkeypatch.setenv("PYREF_JULIA", str(julia_exe))
    args = ["run", "train-two-layer-net", "--quick", "--gradient", "numerical"]
    try:
        assert main([*args, "--engine", "both", "--out", str(tmp_path)]) == 0
    finally:
        close_session()
    py = json.loads((tmp_path / "train-two-layer-net.json").read_text())
    jl = json.loads((tmp_path / "train-two-layer-net-julia.json").read_text())
    assert py["settings"] == jl["settings"] and py["settings"]["gradient"] == "numerical"
    assert py["result"] == jl["result"]  # numpy's OpenBLAS on both sides: the same bits
    assert (tmp_path / "train-two-layer-net-overlay.png").stat().st_size > 5000
