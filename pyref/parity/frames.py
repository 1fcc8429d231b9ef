"""The stack frames of users' files, for reports of errors (no Julia here).

Julia's side is ``PyRef.Bridge.user_frames`` (julia/src/bridge/bridge.jl): every error
the bridge answers carries the frames of its backtrace that lie in users' files
(outside PyRef's julia/src and outside Julia's Base and standard library), as
``"function at file:line"``, innermost first; ``PyRef.Verify.run_check`` reports a
port's errors with the same frames. This module reads them from an error
(:func:`julia_frames`), picks the Python frames of users' files from a traceback
(:func:`python_frames`) and shows them (:func:`shown_frame`), for ``pyref parity``'s
ERROR rows and ``pyref verify``'s error verdicts alike.
"""

from __future__ import annotations

import os
import sysconfig
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

#: pyref's own sources: their frames are not the user's.
PYREF_DIR = str(Path(__file__).resolve().parents[1])
#: At most this many frames are shown (Julia's side caps its list the same way).
MAX_FRAMES = 20


def shown(path: str) -> str:
    """``path`` relative to the current folder when it lies inside it, else as it is."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def shown_frame(frame: str) -> str:
    """A ``"function at file:line"`` frame with its file shown as :func:`shown` does."""
    func, sep, where = frame.rpartition(" at ")
    if not sep:
        return frame
    file, colon, line = where.rpartition(":")
    return f"{func} at {shown(file)}{colon}{line}"


def julia_frames(err: BaseException) -> list[str]:
    """The frames of users' Julia files a bridge error carries (``JuliaError.frames``);
    empty for other errors."""
    frames = getattr(err, "frames", None) or ()
    return [str(f) for f in frames][:MAX_FRAMES]


def _library_dirs() -> tuple[str, ...]:
    """Python's standard library and installed packages: their frames are not the user's."""
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return tuple(str(Path(d).resolve()) for d in dirs)


def python_frames(
    tb: TracebackType | None, exclude_dirs: Sequence[str | os.PathLike] | None = None
) -> list[str]:
    """The frames of a Python traceback that lie in users' files, innermost first, as
    ``"function at file:line"``.

    Args:
        tb: the traceback (``err.__traceback__``).
        exclude_dirs: folders whose files are not the user's; by default pyref's own
            sources, Python's standard library and its installed packages.
    """
    if exclude_dirs is None:
        excluded = (PYREF_DIR, *_library_dirs())
    else:
        excluded = tuple(str(Path(d).resolve()) for d in exclude_dirs)
    frames = []
    for fr in reversed(traceback.extract_tb(tb)):
        path = Path(fr.filename)
        if not path.is_absolute() or not path.is_file():
            continue  # <string>, <frozen ...>: not a file of the user's
        resolved = str(path.resolve())
        if any(resolved == d or resolved.startswith(d + os.sep) for d in excluded):
            continue
        frames.append(f"{fr.name} at {fr.filename}:{fr.lineno}")
        if len(frames) == MAX_FRAMES:
            break
    return frames
