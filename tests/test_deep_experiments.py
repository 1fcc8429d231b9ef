"""The chapter-8 commands: half-float's two accuracies and what its rounding does,
--weights with a pickle of DeepConvNet parameters, misclassified's digits."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from pyref.cli import main
from pyref.datasets import load_mnist
from pyref.deep_convnet import DeepConvNet
from pyref.experiments.chapter8 import half_float, misclassified


def _data(n_test: int):
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
    return (x_train[:100], t_train[:100]), (x_test[:n_test], t_test[:n_test])


def _params(seed: int) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in DeepConvNet(rng=np.random.RandomState(seed)).params.items()}


def test_half_float_is_float64_arithmetic_on_float16_rounded_values() -> None:
    data = _data(100)
    params = _params(5)
    result = half_float(data, params=params)
    (_, _), (x_test, t_test) = data
    net = DeepConvNet()
    net.set_params({k: v.astype(np.float16).astype(np.float64) for k, v in params.items()})
    widened = x_test.astype(np.float16).astype(np.float64)
    assert result["float16_acc"] == net.accuracy(widened, t_test)
    plain = DeepConvNet()
    plain.set_params(params)
    assert result["float64_acc"] == plain.accuracy(x_test, t_test)
    changed = sum(int(np.sum(v.astype(np.float16) != v)) for v in params.values())
    assert result["weights_rounded"] == changed > 0
    assert result["weights"] == sum(v.size for v in params.values())
    assert result["test_samples"] == 100 and result["trained"] == "given parameters"
    # The float16 scores really differ from the float64 ones: the rounding is not a no-op.
    assert not np.array_equal(net.predict(widened[:10]), plain.predict(x_test[:10]))


def test_half_float_weights_option_reads_a_pickle(tmp_path, capsys) -> None:
    pkl = tmp_path / "deep_convnet_params.pkl"
    pkl.write_bytes(pickle.dumps(_params(6)))
    out = tmp_path / "out"
    assert main(["run", "half-float", "--weights", str(pkl), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "caluculate accuracy (float16) ... " in printed
    record = json.loads((out / "half-float.json").read_text())
    assert record["settings"] == {"params": str(pkl)}
    assert record["result"]["trained"] == "given parameters"
    assert record["result"]["test_samples"] == 1000  # the embedded test set, all of it
    assert (out / "half-float.png").stat().st_size > 5000


def test_half_float_refuses_simple_convnet_parameters(tmp_path, capsys) -> None:
    pkl = tmp_path / "params.pkl"
    pkl.write_bytes(pickle.dumps({"W1": np.zeros((30, 1, 5, 5))}))
    assert main(["run", "half-float", "--weights", str(pkl), "--out", str(tmp_path)]) == 2
    assert f"--params: {pkl}" in capsys.readouterr().err


def test_misclassified_digits_are_the_wrong_ones() -> None:
    data = _data(200)
    params = _params(7)
    result = misclassified(data, params=params, max_view=5)
    (_, _), (x_test, t_test) = data
    net = DeepConvNet()
    net.set_params(params)
    predicted = np.concatenate(
        [np.argmax(net.predict(x_test[i : i + 100]), axis=1) for i in (0, 100)]
    )
    wrong = np.flatnonzero(predicted != t_test)
    assert result["indices"] == [int(i) for i in wrong[:5]]
    assert result["labels"] == [int(t_test[i]) for i in wrong[:5]]
    assert result["predicted"] == [int(predicted[i]) for i in wrong[:5]]
    np.testing.assert_array_equal(result["images"], x_test[wrong[:5], 0])
    assert result["test_acc"] == np.sum(predicted == t_test) / 200


def test_bad_arguments_are_named() -> None:
    data = _data(100)
    with pytest.raises(ValueError, match="test_samples"):
        half_float(data, params=_params(1), test_samples=0)
    with pytest.raises(ValueError, match="max_view"):
        misclassified(data, params=_params(1), max_view=0)
    with pytest.raises(ValueError, match="fewer than one batch"):
        misclassified(_data(50), params=_params(1))
