"""The assignment's data: CIFAR-10 from its python batch files, or offline the
embedded MNIST digits laid out as CIFAR-10's images.

CIFAR-10's batches (``data_batch_1`` ... ``data_batch_5``, ``test_batch``) are
pickles of a dict. They are read by a restricted unpickler that admits only what
such a dict holds (bytes, strings, lists, ints and numpy uint8 arrays) and refuses
any other global, naming it: nothing in the file is run.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from pyref.checks import check_flag, check_nonnegative_int, check_positive_int
from pyref.datasets import load_mnist

#: The globals a pickled numpy array needs (numpy 1 and numpy 2 module names).
ALLOWED_GLOBALS = frozenset(
    {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }
)

#: Besides them, ``_codecs.encode`` is admitted for latin1 only (Python 3's bytes).

#: The training batches' file names, then the test batch's.
TRAIN_BATCHES = tuple(f"data_batch_{b}" for b in range(1, 6))
TEST_BATCH = "test_batch"

#: A CIFAR-10 image: channels, height, width.
IMAGE_SHAPE = (3, 32, 32)


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """What a protocol-2 pickle written by Python 3 calls to rebuild bytes
    (``_codecs.encode(text, 'latin1')``), admitting that one codec only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(
            f"bytes rebuilt with codec {encoding!r}, not latin1, are refused"
        )
    return text.encode("latin1")


class _BatchUnpickler(pickle.Unpickler):
    """An unpickler that finds only the classes a CIFAR batch's arrays need."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"a CIFAR-10 batch holds only a dict of bytes, lists, ints and numpy arrays; "
            f"this file asks for the global {module}.{name}, which is refused"
        )


def load_CIFAR_batch(filename: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file.

    Args:
        filename: the batch file (a pickle of {'data': uint8 (n, 3072), 'labels': [...]}).

    Returns:
        (X, Y): X float64 of shape (n, 32, 32, 3) (height, width, channel, as the
        assignment), Y int64 of shape (n,).
    """
    path = Path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"no CIFAR-10 batch file {path}")
    with open(path, "rb") as f:
        try:
            batch = _BatchUnpickler(f, encoding="latin1").load()
        except pickle.UnpicklingError as err:
            raise ValueError(f"{path}: {err}") from None
        except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
            raise ValueError(f"{path} is not a CIFAR-10 batch file ({err})") from None
    if not isinstance(batch, dict) or "data" not in batch or "labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 batch: no dict with 'data' and 'labels'")
    data, labels = batch["data"], batch["labels"]
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != 3072
    ):
        raise ValueError(f"{path}: 'data' must be a uint8 array of shape (n, 3072)")
    if not isinstance(labels, list) or not all(type(v) is int and 0 <= v <= 9 for v in labels):
        raise ValueError(f"{path}: 'labels' must be a list of ints in 0..9")
    if len(labels) != data.shape[0]:
        raise ValueError(f"{path}: {data.shape[0]} images but {len(labels)} labels")
    X = data.reshape(-1, *IMAGE_SHAPE).transpose(0, 2, 3, 1).astype(np.float64)
    return X, np.array(labels, dtype=np.int64)


def load_CIFAR10(ROOT: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All of CIFAR-10 from the folder of its python batches.

    Args:
        ROOT: the folder holding data_batch_1 ... data_batch_5 and test_batch.

    Returns:
        (X_train, y_train, X_test, y_test): images (n, 32, 32, 3) float64, labels (n,).
    """
    root = Path(ROOT)
    if not root.is_dir():
        raise FileNotFoundError(f"no CIFAR-10 folder {root} (cifar-10-batches-py)")
    parts = [load_CIFAR_batch(root / name) for name in TRAIN_BATCHES]
    X_test, y_test = load_CIFAR_batch(root / TEST_BATCH)
    return (
        np.concatenate([x for x, _ in parts]),
        np.concatenate([y for _, y in parts]),
        X_test,
        y_test,
    )


def _digits_as_cifar() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The embedded digits as CIFAR-10's raw images: 0..255 floats, (n, 32, 32, 3),
    each 28x28 digit padded by 2 pixels of 0 and repeated over the 3 channels."""
    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=False, flatten=False, source="embedded"
    )

    def as_cifar(x: np.ndarray) -> np.ndarray:
        padded = np.pad(x[:, 0].astype(np.float64), ((0, 0), (2, 2), (2, 2)))
        return np.repeat(padded[..., None], 3, axis=3)

    return as_cifar(x_train), t_train.astype(np.int64), as_cifar(x_test), t_test.astype(np.int64)


def get_CIFAR10_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    cifar10_dir: str | os.PathLike | None = None,
) -> dict[str, np.ndarray]:
    """The assignment's data, split and preprocessed.

    Validation images follow the training ones in the training pool; the mean
    training image is subtracted from all three sets; images are then laid out
    channels first.

    Args:
        num_training: training images (the first of the pool).
        num_validation: validation images (the next ones).
        num_test: test images (the first of the test set).
        subtract_mean: subtract the mean training image.
        cifar10_dir: the folder of CIFAR-10's python batches, or None for the embedded
            MNIST digits (4000 training and 1000 test images, offline), padded to 32x32
            and repeated over 3 channels; with them num_training is cut to the images
            the validation ones leave (3000 by default).

    Returns:
        'X_train' (num_training, 3, 32, 32), 'y_train' (num_training,), 'X_val',
        'y_val', 'X_test', 'y_test' likewise; images float64, labels int64.
    """
    num_training = check_positive_int("num_training", num_training)
    num_validation = check_nonnegative_int("num_validation", num_validation)
    num_test = check_nonnegative_int("num_test", num_test)
    subtract_mean = check_flag("subtract_mean", subtract_mean)
    if cifar10_dir is None:
        X_pool, y_pool, X_test, y_test = _digits_as_cifar()
        num_training = min(num_training, X_pool.shape[0] - num_validation)
        if num_training < 1:
            raise ValueError(
                f"num_validation {num_validation} leaves no training images of the "
                f"{X_pool.shape[0]} embedded digits"
            )
    else:
        X_pool, y_pool, X_test, y_test = load_CIFAR10(cifar10_dir)
    if num_training + num_validation > X_pool.shape[0]:
        raise ValueError(
            f"num_training + num_validation = {num_training + num_validation}, but the "
            f"training pool has {X_pool.shape[0]} images"
        )
    if num_test > X_test.shape[0]:
        raise ValueError(f"num_test {num_test} > the {X_test.shape[0]} test images")
    X_val = X_pool[num_training : num_training + num_validation]
    y_val = y_pool[num_training : num_training + num_validation]
    X_train, y_train = X_pool[:num_training].copy(), y_pool[:num_training]
    X_test, y_test = X_test[:num_test], y_test[:num_test]
    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train = X_train - mean_image
        X_val = X_val - mean_image
        X_test = X_test - mean_image
    return {
        "X_train": X_train.transpose(0, 3, 1, 2).copy(),
        "y_train": y_train.copy(),
        "X_val": X_val.transpose(0, 3, 1, 2).copy(),
        "y_val": y_val.copy(),
        "X_test": X_test.transpose(0, 3, 1, 2).copy(),
        "y_test": y_test.copy(),
    }
