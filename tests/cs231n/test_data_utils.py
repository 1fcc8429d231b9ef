"""pyref.cs231n.data_utils: CIFAR-10's python batches read safely from small files
the tests write, and the embedded digits as the offline default."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from pyref.cs231n.data_utils import (
    TEST_BATCH,
    TRAIN_BATCHES,
    get_CIFAR10_data,
    load_CIFAR10,
    load_CIFAR_batch,
)


def _write_batches(folder, per_batch: int = 6) -> tuple[np.ndarray, list[int]]:
    """CIFAR-10's python batches in small: a dict of 'batch_label', 'labels', 'data'
    (uint8, (n, 3072), channels first as CIFAR's rows) and 'filenames', pickled with
    protocol 2 as CIFAR's files are."""
    rng = np.random.RandomState(0)
    images, labels = [], []
    for name in (*TRAIN_BATCHES, TEST_BATCH):
        data = rng.randint(0, 256, size=(per_batch, 3072)).astype(np.uint8)
        y = [int(v) for v in rng.randint(0, 10, size=per_batch)]
        batch = {
            "batch_label": f"{name} of 6",
            "labels": y,
            "data": data,
            "filenames": [f"img_{i}.png" for i in range(per_batch)],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        images.append(data)
        labels += y
    return np.concatenate(images), labels


def test_a_batch_is_read_as_the_assignment_lays_it_out(tmp_path) -> None:
    images, labels = _write_batches(tmp_path)
    X, y = load_CIFAR_batch(tmp_path / "data_batch_1")
    assert X.shape == (6, 32, 32, 3) and X.dtype == np.float64
    # row r of 'data': 1024 red, then green, then blue values, each image row by row
    assert X[2, 1, 3, 2] == images[2][2 * 1024 + 1 * 32 + 3]
    assert y.tolist() == labels[:6]


def test_get_cifar10_data_splits_centres_and_moves_channels_first(tmp_path) -> None:
    _write_batches(tmp_path)
    X_train, y_train, X_test, _ = load_CIFAR10(tmp_path)
    assert X_train.shape == (30, 32, 32, 3) and X_test.shape == (6, 32, 32, 3)
    data = get_CIFAR10_data(num_training=20, num_validation=5, num_test=4, cifar10_dir=tmp_path)
    assert data["X_train"].shape == (20, 3, 32, 32) and data["X_val"].shape == (5, 3, 32, 32)
    assert data["X_test"].shape == (4, 3, 32, 32)
    mean = X_train[:20].mean(axis=0)
    np.testing.assert_allclose(data["X_val"], (X_train[20:25] - mean).transpose(0, 3, 1, 2))
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-12)
    assert data["y_val"].tolist() == y_train[20:25].tolist()
    raw = get_CIFAR10_data(
        num_training=20, num_validation=5, num_test=4, subtract_mean=False, cifar10_dir=tmp_path
    )
    assert np.array_equal(raw["X_train"], X_train[:20].transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="num_training"):
        get_CIFAR10_data(num_training=29, num_validation=5, cifar10_dir=tmp_path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def test_a_pickle_asking_for_another_global_is_refused_by_name(tmp_path) -> None:
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": _Evil(), "labels": [0]}, protocol=2))
    with pytest.raises(ValueError) as info:
        load_CIFAR_batch(path)
    assert "system" in str(info.value) and "refused" in str(info.value)
    assert not (tmp_path / "pwned.txt").exists() and not os.path.exists("pwned.txt")


@pytest.mark.parametrize(
    ("batch", "named"),
    [
        ({"labels": [0]}, "'data'"),
        ({"data": np.zeros((1, 3072), dtype=np.float64), "labels": [0]}, "uint8"),
        ({"data": np.zeros((2, 3072), dtype=np.uint8), "labels": [0]}, "2 images but 1 labels"),
        ({"data": np.zeros((1, 3072), dtype=np.uint8), "labels": [10]}, "0..9"),
    ],
)
def test_a_batch_of_the_wrong_contents_is_refused(tmp_path, batch, named) -> None:
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(ValueError) as info:
        load_CIFAR_batch(path)
    assert named in str(info.value)


def test_missing_and_damaged_files(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        load_CIFAR_batch(tmp_path / "nope")
    with pytest.raises(FileNotFoundError):
        load_CIFAR10(tmp_path / "nope")
    (tmp_path / "cut").write_bytes(pickle.dumps({"labels": [1, 2]}, protocol=2)[:-5])
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        load_CIFAR_batch(tmp_path / "cut")


def test_the_offline_default_is_the_embedded_digits_laid_out_as_cifar() -> None:
    data = get_CIFAR10_data(num_training=100, num_validation=10, num_test=10, subtract_mean=False)
    assert data["X_train"].shape == (100, 3, 32, 32) and data["X_val"].shape == (10, 3, 32, 32)
    X = data["X_train"]
    assert np.array_equal(X[:, 0], X[:, 2]) and X[:, :, :2].max() == 0 and X.max() == 255
    assert data["y_train"].dtype == np.int64 and set(data["y_train"]) <= set(range(10))
    full = get_CIFAR10_data()
    assert full["X_train"].shape[0] == 3000 and full["X_val"].shape[0] == 1000
    assert full["X_test"].shape[0] == 1000


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"num_training": 0}, ValueError, "num_training"),
        ({"num_validation": -1}, ValueError, "num_validation"),
        ({"num_test": 2000}, ValueError, "num_test"),
        ({"subtract_mean": 1}, TypeError, "subtract_mean"),
        ({"num_validation": 4000}, ValueError, "num_validation"),
    ],
)
def test_bad_arguments_are_refused_naming_them(kwargs, error, named) -> None:
    with pytest.raises(error) as info:
        get_CIFAR10_data(**kwargs)
    assert named in str(info.value)
