"""The study's data: the validation split every worker computes identically from
the seed, and its hand-off to local worker processes (an .npz file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyref.rng import rng_state
from pyref.study.config import SearchConfig
from pyref.study.errors import SearchError


@dataclass
class SearchData:
    """The validation split, which every worker computes identically from the seed."""

    x_train: np.ndarray
    t_train: np.ndarray
    x_val: np.ndarray
    t_val: np.ndarray
    rng_after_split: dict[str, Any]
    description: str


def prepare_data(config: SearchConfig) -> SearchData:
    """Load the data, keep the first ``train_size`` training samples and split off the
    validation set with ``RandomState(seed)`` (the book's shuffle, then 20 %)."""
    from pyref.datasets import MnistUnavailableError, load_mnist_with_info, split_validation

    try:
        ((x_all, t_all), _), info = load_mnist_with_info(normalize=True, source=config.data)
    except MnistUnavailableError as err:
        raise SearchError(err.for_command_line()) from None
    if config.train_size > x_all.shape[0]:
        raise SearchError(
            f"train size {config.train_size} is more than the {x_all.shape[0]} "
            f"training samples of the {config.data} data"
        )
    if int(config.train_size * config.validation_rate) == 0:
        raise SearchError(f"train size {config.train_size} leaves no validation samples")
    rng = np.random.RandomState(config.seed)
    (x_tr, t_tr), (x_val, t_val) = split_validation(
        x_all[: config.train_size], t_all[: config.train_size], config.validation_rate, rng=rng
    )
    return SearchData(x_tr, t_tr, x_val, t_val, rng_state(rng), info.description)


def save_data(data: SearchData, path: Path) -> None:
    """Write the split (and the stream after it) for local workers, atomically."""
    from pyref.fileio import write_npz

    state = data.rng_after_split
    write_npz(
        path,
        {
            "x_train": data.x_train,
            "t_train": data.t_train,
            "x_val": data.x_val,
            "t_val": data.t_val,
            "rng_key": np.asarray(state["key"], dtype=np.uint32),
            "rng_rest": np.array([state["pos"], state["has_gauss"], state["cached_gaussian"]]),
        },
    )


def load_data(path: str, description: str) -> SearchData:
    """The split :func:`save_data` wrote (read by ``pyref.fileio.read_npz``: CRC-checked,
    nothing unpickled), described by ``description``."""
    from pyref.fileio import read_npz

    z = read_npz(path, "search data")
    pos, has_gauss, cached = z["rng_rest"].tolist()
    state = {
        "key": z["rng_key"].tolist(),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached_gaussian": cached,
    }
    return SearchData(z["x_train"], z["t_train"], z["x_val"], z["t_val"], state, description)
