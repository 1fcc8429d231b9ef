"""Private temporary folders that name their owner, and the clean-up of dead owners' ones.

A process that dies by SIGKILL (or a power cut) cannot remove its temporary folder.
So each folder says whose it is: ``<prefix><pid>-<random>`` (for instance
``pyref-bridge-4711-k2j9x0qa``), made 0700 by :func:`tempfile.mkdtemp`, and holds a
lock file, ``.owner``, that its owner keeps locked (``flock``) as long as it lives;
the processes it hands the folder to (the Julia worker, the search's workers) may
hold the same lock. :func:`owned_dir` makes one and first removes the folders with
the same prefix whose owner is gone: this user's, named with a pid that is no
longer running, and whose lock nobody holds (the lock also protects a live owner
that a pid does not show, such as a process in another pid namespace sharing the
temporary folder). Folders of other names (also pyref's older, unnumbered ones)
are never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

#: The lock file inside every owned folder.
LOCK_NAME = ".owner"
#: pyref's owned folders: the Julia bridge's sessions, `pyref search`'s local workers.
BRIDGE_PREFIX = "pyref-bridge-"
SEARCH_PREFIX = "pyref-search-"
PREFIXES = (BRIDGE_PREFIX, SEARCH_PREFIX)
#: A folder without a lock file this old (seconds) is a leftover of a failed start.
UNLOCKED_AGE = 60.0


class OwnedDir:
    """A private temporary folder and the lock that marks it in use.

    ``path`` is the folder; ``lock_fd`` the locked file descriptor (pass it to child
    processes, ``pass_fds``, to keep the folder theirs while they run); :meth:`remove`
    deletes the folder (idempotent). Usable as a context manager.
    """

    def __init__(self, path: Path, lock_fd: int) -> None:
        self.path = path
        self.lock_fd = lock_fd
        self._pid = os.getpid()

    def remove(self) -> None:
        """Delete the folder and release its lock (in a forked child: only the lock copy)."""
        fd, self.lock_fd = self.lock_fd, -1
        if fd < 0:
            return
        if os.getpid() == self._pid:
            shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(fd)

    def __enter__(self) -> OwnedDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<OwnedDir {self.path}>"


def owned_dir(prefix: str) -> OwnedDir:
    """A new private folder ``<prefix><pid>-<random>`` in the temporary folder, locked
    by this process, after removing the stale ones of the same ``prefix`` (:func:`sweep`).

    ``prefix`` must end with ``-`` (``"pyref-bridge-"``); raises ValueError otherwise.
    """
    _check_prefix(prefix)
    sweep(prefix)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else has it
    except BaseException:
        os.close(fd)
        shutil.rmtree(path, ignore_errors=True)
        raise
    return OwnedDir(path, fd)


def sweep_all(folder: str | os.PathLike | None = None) -> list[Path]:
    """:func:`sweep` for each of pyref's :data:`PREFIXES` (every command starts so)."""
    return [path for prefix in PREFIXES for path in sweep(prefix, folder)]


def sweep(prefix: str, folder: str | os.PathLike | None = None) -> list[Path]:
    """Remove the folders ``<prefix><pid>-*`` in ``folder`` (default: the temporary
    folder) that are this user's, whose pid is not running and whose lock is free.
    Returns the folders removed. Errors (a folder removed meanwhile, no permission)
    leave that folder alone."""
    _check_prefix(prefix)
    root = Path(folder if folder is not None else tempfile.gettempdir())
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[^/]+\Z")
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if _running(int(match.group(1))):
            continue
        path = Path(entry.path)
        if _remove_if_unlocked(path):
            removed.append(path)
    return removed


def _check_prefix(prefix: str) -> None:
    if not (isinstance(prefix, str) and prefix.endswith("-") and "/" not in prefix):
        raise ValueError(f"prefix must be a folder name prefix ending with '-', got {prefix!r}")


def _running(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie or another user's process counts)."""
    if pid <= 0:
        return True  # not a pid a folder of ours would carry: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_if_unlocked(path: Path) -> bool:
    """Remove ``path`` if its lock can be taken (held while removing); True if removed."""
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        # No lock: a start that failed between making the folder and its lock, or a
        # removal cut short. Only an old one is a leftover (a new one may be starting).
        try:
            old = time.time() - path.stat().st_mtime > UNLOCKED_AGE
        except OSError:
            return False
        if old:
            shutil.rmtree(path, ignore_errors=True)
        return old and not path.exists()
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # in use
        shutil.rmtree(path, ignore_errors=True)
        return not path.exists()
    finally:
        os.close(fd)
