"""Atomic output files: everything is written to a temporary file in the target
directory and renamed into place, so an interrupted run never leaves half a file."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
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


def check_output_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """Check, before any work, that ``path`` is a folder that exists or can be created
    and written; OutputPathError naming ``what`` otherwise. Creates nothing."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{what} {path} is a file, not a folder")
    _check_writable_folder(path, what, path)
    return path


def check_output_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """Check, before any work, that the file ``path`` can be written (its folder exists
    or can be created, and it is not a folder); OutputPathError otherwise."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{what} {path} is a folder, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{what} {path} is not writable")
    _check_writable_folder(path.parent, what, path)
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
