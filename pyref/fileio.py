"""Atomic output files: everything is written to a temporary file in the target
directory and renamed into place, so an interrupted run never leaves half a file.
And parameter files: .npz files (numpy's np.savez archives), their atomic writer
and their checked reader, pyref's one place for them; and the book's pickles of
numpy arrays, read by a restricted unpickler that builds nothing but numpy arrays
and dtypes."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np


def to_jsonable(obj: Any) -> Any:
    """numpy scalars and arrays, tuples and non-finite floats made plain JSON (NaN/inf → null)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


class OutputPathError(ValueError):
    """An output path that cannot be written; the message names it and says why."""


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (as the OS sees it)."""
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    return probe


def _check_writable_folder(folder: Path, what: str, shown: Path) -> None:
    """``folder`` exists, or can be created: its nearest existing ancestor is a
    writable folder."""
    existing = _first_existing(folder)
    if not existing.is_dir():
        kind = "a file" if existing.exists() else "not a folder"
        raise OutputPathError(
            f"{what} {shown}: {existing} is {kind}, so no folder can be made there"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} {shown}: the folder {existing} is not writable")


def _nonempty_path(path: str | os.PathLike, what: str) -> Path:
    """``path`` as a Path; an empty one (which Path reads as the current folder) is an
    OutputPathError."""
    if os.fspath(path) == "":
        raise OutputPathError(f"{what} is empty: name a path")
    return Path(path)


def check_output_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """Check, before any work, that ``path`` is a folder that exists or can be created
    and written; OutputPathError naming ``what`` otherwise. Creates nothing."""
    path = _nonempty_path(path, what)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{what} {path} is a file, not a folder")
    _check_writable_folder(path, what, path)
    return path


def check_output_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """Check, before any work, that the file ``path`` can be written (its folder exists
    or can be created, and it is not a folder); OutputPathError otherwise."""
    path = _nonempty_path(path, what)
    if path.is_dir():
        raise OutputPathError(f"{what} {path} is a folder, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{what} {path} is not writable")
    _check_writable_folder(path.parent, what, path)
    return path


def make_output_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """:func:`check_output_dir`, then create the folder (and its missing parents) and
    prove it writable with a temporary file, removed at once: what the OS refuses
    (a read-only or virtual file system such as /proc) is found before any work.
    OutputPathError naming ``what`` and ``path`` otherwise; folders made here are
    removed again."""
    path = check_output_dir(path, what)
    missing = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path, prefix=".pyref-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        for folder in missing:  # the deepest first
            try:
                folder.rmdir()
            except OSError:
                pass
        raise OutputPathError(f"{what} {path} cannot be written: {err.strerror or err}") from None
    return path


def _umask_mode() -> int:
    """The permissions a plain open() would give a new file (mkstemp makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_bytes(path: str | os.PathLike, payload: bytes, mode: int | None = None) -> Path:
    """Write ``payload`` to ``path`` atomically (temp file + rename), with permissions
    ``mode`` (e.g. 0o755 for a script) or, by default, those a plain open() gives."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, _umask_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str, mode: int | None = None) -> Path:
    """Write UTF-8 text atomically (``mode`` as for :func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"), mode)


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically; nothing is written if it cannot be encoded."""
    text = json.dumps(to_jsonable(obj), indent=1, ensure_ascii=False, allow_nan=False)
    return write_text(path, text + "\n")


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Save a matplotlib figure as PNG atomically (rendered in memory, then written)."""
    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi, format="png")
    return write_bytes(path, buf.getvalue())


# -- .npz files -------------------------------------------------------------------------

#: How a file's first bytes tell what it is.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first member, or an empty zip
NPY_MAGIC = b"\x93NUMPY"
PICKLE_PROTOCOLS = range(2, 6)  # a pickle of protocol 2 or later starts with 0x80, protocol


def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as an .npz file, atomically: numpy's np.savez archive
    (uncompressed), one member ``NAME.npy`` per name, in the dict's order.

    Args:
        path: the file to write (its folder is made if missing).
        arrays: name -> array (numbers, or text for a label); no Python objects.

    Returns:
        ``path`` as a Path. TypeError for ``arrays`` that is not a dict of arrays;
        OSError if the file cannot be written.
    """
    if not isinstance(arrays, dict):
        raise TypeError(f"arrays must be a dict of arrays, not {type(arrays).__name__}")
    for name, value in arrays.items():
        if not isinstance(name, str) or not isinstance(value, np.ndarray):
            raise TypeError(f"arrays: {name!r} must be a name (str) with a numpy array")
        if value.dtype.kind == "O":
            raise TypeError(f"arrays: {name} holds Python objects, which only pickle could save")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return write_bytes(path, buffer.getvalue())


def _read_whole_file(path: str | os.PathLike, what: str, kind: str) -> tuple[Path, bytes]:
    """``path``'s bytes, checked: named, there, not a folder, readable, not empty.

    ``what`` names the file in messages ("parameter file"), ``kind`` what it should be
    ("an .npz file"): FileNotFoundError for a missing file, ValueError otherwise.
    """
    if os.fspath(path) == "":
        raise ValueError(f"no {what} named: the path is empty")
    path = Path(path)
    if not os.path.lexists(path):
        raise FileNotFoundError(f"no {what} {path}")
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder, not {kind}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ValueError(f"{what} {path} cannot be read: {err.strerror or err}") from None
    if not data:
        raise ValueError(f"{path} is empty (0 bytes), not {kind}")
    return path, data


def read_npz(
    path: str | os.PathLike, what: str = "file", *, text: bool = False
) -> dict[str, np.ndarray]:
    """The arrays of an .npz file (numpy's np.savez or np.savez_compressed), by name
    without ``.npy``, in the file's order, each member's CRC-32 checked; nothing is
    unpickled.

    ``what`` names the file in messages ("parameter file"); ``text`` also accepts
    members of text (a label, such as a digest). Raises FileNotFoundError for a
    missing file and ValueError, naming the file and the member, for anything that is
    not such an archive: an empty, truncated or damaged file, an .npy file, a pickle,
    a member that is not an .npy array or holds objects (or text, unless ``text``).
    """
    path, data = _read_whole_file(path, what, "an .npz file")
    if data.startswith(NPY_MAGIC):
        raise ValueError(
            f"{path} is an .npy file (a single array), not the named arrays of an "
            ".npz file (np.savez)"
        )
    if is_pickle(data):
        raise ValueError(
            f"{path} is a pickle file (the book's format), not an .npz file: read it "
            "with read_pickle (or load_param_file, which reads both)"
        )
    if not data.startswith(ZIP_MAGIC):
        raise ValueError(f"{path} is not an .npz file (a zip archive of .npy arrays)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, struct.error):
        raise ValueError(
            f"{path} is damaged or cut short: its zip directory is missing or unreadable"
        ) from None
    out: dict[str, np.ndarray] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith(".npy"):
                raise ValueError(
                    f"{path}: member {name} is not an .npy array (an .npz file holds only those)"
                )
            try:
                raw = archive.read(info)
            except zipfile.BadZipFile as err:
                if "CRC" in str(err):
                    raise ValueError(
                        f"{path}: member {name} is damaged (its CRC-32 does not match its bytes)"
                    ) from None
                raise ValueError(f"{path}: member {name} is damaged ({err})") from None
            except (EOFError, zlib.error, struct.error, ValueError, NotImplementedError) as err:
                raise ValueError(f"{path}: member {name} is damaged ({err})") from None
            out[name[: -len(".npy")]] = _npy_member(path, name, raw, text)
    return out


def _npy_member(path: Path, name: str, raw: bytes, text: bool = False) -> np.ndarray:
    """The array in the bytes ``raw`` of member ``name``: numbers only (no pickle), or
    text too with ``text``."""
    try:
        array = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise ValueError(
                f"{path}: member {name} holds Python objects (only pickle could read them), "
                "not numbers"
            ) from None
        raise ValueError(f"{path}: member {name} is not a valid .npy array ({err})") from None
    except (EOFError, SyntaxError, TypeError, struct.error) as err:
        raise ValueError(f"{path}: member {name} is not a valid .npy array ({err})") from None
    if array.dtype.kind not in ("biufcU" if text else "biufc"):
        raise ValueError(f"{path}: member {name} holds {array.dtype.str} values, not numbers")
    return array


# -- reading the book's pickles --------------------------------------------------------


def is_pickle(data: bytes) -> bool:
    """Whether ``data`` starts as a pickle of protocol 2 or later (0x80, protocol)."""
    return len(data) > 1 and data[0] == 0x80 and data[1] in PICKLE_PROTOCOLS


def _numpy_core(module: str) -> Any:
    """numpy's ``_core.<module>`` (numpy 2), else ``core.<module>`` (numpy 1)."""
    import importlib

    try:
        return importlib.import_module(f"numpy._core.{module}")
    except ImportError:  # numpy 1 before 1.26 has no numpy._core
        return importlib.import_module(f"numpy.core.{module}")


class _NdarrayType:
    """``numpy.ndarray`` as a pickle names it: only an argument of ``_reconstruct``
    (calling it would allocate an array of any shape the pickle asks for)."""


_NDARRAY = _NdarrayType()


def _reconstruct(subtype: object, shape: object, dtype: object) -> np.ndarray:
    """numpy's ``_reconstruct`` as numpy's own pickles call it: an empty ndarray,
    which the pickle's state then fills (the data's size checked by numpy)."""
    if subtype is not _NDARRAY or shape != (0,):
        raise ValueError(f"_reconstruct of {subtype!r} with shape {shape!r}, not numpy's own call")
    return _numpy_core("multiarray")._reconstruct(np.ndarray, (0,), dtype)


#: The only globals a pickle of numpy arrays refers to (numpy 1 writes ``numpy.core``,
#: numpy 2 ``numpy._core``; protocol 5 rebuilds arrays with ``_frombuffer``), each with
#: what the restricted unpickler hands the pickle for it. Nothing else is ever looked
#: up: every other name is refused before anything is imported.
PICKLE_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): lambda: _NDARRAY,
    ("numpy", "dtype"): lambda: np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): lambda: _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): lambda: _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): lambda: _numpy_core("numeric")._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): lambda: _numpy_core("numeric")._frombuffer,
}


class RefusedPickleError(ValueError):
    """A pickle that refers to a global the restricted unpickler does not admit; the
    message names the global."""


class _RestrictedUnpickler(pickle.Unpickler):
    """pickle's own machine, with every global looked up in PICKLE_GLOBALS only."""

    def __init__(self, file: Any, source: str) -> None:
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        found = PICKLE_GLOBALS.get((module, name))
        if found is None:
            admitted = ", ".join(f"{m}.{n}" for m, n in PICKLE_GLOBALS)
            raise RefusedPickleError(
                f"{self.source} refers to {module}.{name}, which pyref does not unpickle "
                f"(a parameter pickle holds dicts, lists, numbers, strings and numpy "
                f"arrays; the globals admitted are {admitted})"
            )
        return found()

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedPickleError(
            f"{self.source} refers to a persistent object ({pid!r}), which pyref does not unpickle"
        )


def load_pickle(file: Any, source: str = "pickle") -> Any:
    """What a pickle in the binary file ``file`` holds, rebuilt by the restricted
    unpickler: dicts, lists, tuples, numbers, strings, bytes and numpy arrays and
    dtypes, and nothing else (the counterpart of ``pickle.load`` for parameter files).

    ``source`` names the pickle in messages. A pickle that refers to any other global
    (``os.system``, ``builtins.eval`` ...) is a RefusedPickleError naming it, raised
    before that global is looked up; a truncated or damaged one is a ValueError.
    """
    try:
        return _RestrictedUnpickler(file, source).load()
    except RefusedPickleError:
        raise
    except (pickle.UnpicklingError, EOFError) as err:
        raise ValueError(f"{source} is damaged or cut short ({err or 'no more data'})") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, struct.error) as err:
        raise ValueError(f"{source} is not a valid pickle of numpy arrays ({err})") from None


def read_pickle(path: str | os.PathLike, what: str = "file") -> dict[str, np.ndarray]:
    """The arrays of a pickle of a dict of numpy arrays (the book's ``sample_weight.pkl``,
    ``params.pkl``, ``deep_convnet_params.pkl``), by name in the file's order, read by
    :func:`load_pickle` (nothing but numpy arrays and dtypes is built).

    ``what`` names the file in messages. Raises FileNotFoundError for a missing file,
    RefusedPickleError naming any other global the pickle refers to, and ValueError
    naming the file (and the entry) for anything else: an empty, truncated or damaged
    file, a file that is not a pickle, a top level that is not a dict, a name that is
    not a string, a value that is not an array of numbers.
    """
    path, data = _read_whole_file(path, what, "a pickle file")
    if not is_pickle(data):
        raise ValueError(f"{path} is not a pickle file (protocol 2 or later)")
    obj = load_pickle(io.BytesIO(data), str(path))
    if not isinstance(obj, dict):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a dict of arrays")
    out: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise ValueError(f"{path}: name {key!r} is a {type(key).__name__}, not a string")
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{path}: {key} is a {type(value).__name__}, not a numpy array")
        if value.dtype.kind not in "biufc":
            raise ValueError(f"{path}: {key} holds {value.dtype.str} values, not numbers")
        out[key] = value
    return out


def read_arrays(path: str | os.PathLike, what: str = "file") -> dict[str, np.ndarray]:
    """The named arrays of a parameter file, told by its first bytes: a pickle (the
    book's ``.pkl``) is read by :func:`read_pickle`, anything else by :func:`read_npz`;
    their errors, naming ``what`` and the file, as they raise them."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except (OSError, TypeError, ValueError):
        head = b""  # read_npz says what is wrong with the path
    return read_pickle(path, what) if is_pickle(head) else read_npz(path, what)
