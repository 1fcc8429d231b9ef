"""Which BLAS numpy's matrix products run on, told to every Julia that pyref starts.

The last bits of a matrix product depend on the library, its kernels and its thread
count. PyRef (Julia) reproduces numpy's ``np.dot`` bit for bit by calling the very
OpenBLAS file numpy loaded, with numpy's call (``julia/src/numpy/numpyblas.jl``); this
module finds that file the way numpy reports it (threadpoolctl) and passes it on in
the environment, as :mod:`pyref.runtime.mathmode` passes numpy's math kernels.

``PYREF_JULIA_BLAS`` chooses: ``numpy`` (the default wherever numpy's OpenBLAS is
found: every output bit for bit) or ``native`` (Julia's own BLAS: the last bits of
products may differ, and the parity report measures by how much).
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass

import numpy as np

ENV_MODE = "PYREF_JULIA_BLAS"
ENV_LIB = "PYREF_NUMPY_BLAS_LIB"
ENV_SYMBOLS = "PYREF_NUMPY_BLAS_SYMBOLS"
ENV_THREADS = "PYREF_NUMPY_BLAS_THREADS"
ENV_CORE = "PYREF_NUMPY_BLAS_CORE"
ENV_REASON = "PYREF_NUMPY_BLAS_REASON"
#: The modes ``PYREF_JULIA_BLAS`` and ``pyref parity --blas`` take.
MODES = ("numpy", "native")

#: CBLAS symbol spellings of the OpenBLAS builds numpy ships or links, tried in turn:
#: (prefix, suffix, integer bits).
_SPELLINGS = (("scipy_", "64_", 64), ("", "64_", 64), ("scipy_", "", 32), ("", "", 32))


class NumpyBlasError(RuntimeError):
    """numpy's BLAS cannot be used by Julia (not OpenBLAS, not found); the message says why."""


@dataclass(frozen=True)
class NumpyBlas:
    """numpy's OpenBLAS as Julia needs it: the file, its CBLAS symbols, kernels, threads."""

    path: str
    prefix: str
    suffix: str
    int_bits: int
    core: str
    threads: int
    version: str

    def env(self) -> dict[str, str]:
        return {
            ENV_LIB: self.path,
            ENV_SYMBOLS: f"{self.prefix},{self.suffix},{self.int_bits}",
            ENV_THREADS: str(self.threads),
            ENV_CORE: self.core,
        }


def _blas_entry() -> dict:
    """threadpoolctl's record of the BLAS numpy loaded."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError as err:  # a dependency of pyref; only a broken install lacks it
        raise NumpyBlasError("threadpoolctl is not installed (pip install threadpoolctl)") from err
    np.dot(np.ones((2, 2)), np.ones((2, 2)))  # numpy's BLAS is loaded by now
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    entries = [e for e in threadpool_info() if e.get("user_api") == "blas"]
    if not entries:
        raise NumpyBlasError("numpy uses no BLAS library that threadpoolctl can see")
    # numpy's own (under site-packages/numpy*) before any other process-wide one.
    entries.sort(key=lambda e: not str(e.get("filepath", "")).startswith(numpy_dir))
    return entries[0]


def numpy_blas() -> NumpyBlas:
    """numpy's OpenBLAS: its file, symbols, kernels and current thread count.

    Raises NumpyBlasError when numpy runs another BLAS (MKL, Accelerate, BLIS) or the
    file cannot be opened: strict parity needs the OpenBLAS that numpy calls.
    """
    entry = _blas_entry()
    api = entry.get("internal_api", "?")
    path = str(entry.get("filepath", ""))
    if api != "openblas":
        raise NumpyBlasError(
            f"numpy {np.__version__} uses {api} ({path}); bit-for-bit matrix products "
            "need numpy on OpenBLAS, so Julia uses its own BLAS"
        )
    if not os.path.isfile(path):
        raise NumpyBlasError(f"numpy's OpenBLAS {path} does not exist")
    lib = ctypes.CDLL(path)
    spelling = next(
        (
            (prefix, suffix, bits)
            for prefix, suffix, bits in _SPELLINGS
            if hasattr(lib, f"{prefix}cblas_dgemm{suffix}")
            and hasattr(lib, f"{prefix}openblas_get_corename{suffix}")
        ),
        None,
    )
    if spelling is None:
        raise NumpyBlasError(f"{path} has no CBLAS dgemm under any spelling pyref knows")
    prefix, suffix, bits = spelling
    corename = getattr(lib, f"{prefix}openblas_get_corename{suffix}")
    corename.restype = ctypes.c_char_p
    core = corename().decode()
    return NumpyBlas(
        path=path,
        prefix=prefix,
        suffix=suffix,
        int_bits=bits,
        core=core,
        threads=int(entry.get("num_threads", 1)),
        version=str(entry.get("version", "?")),
    )


def wanted_mode(mode: str | None = None) -> str:
    """``mode``, else ``$PYREF_JULIA_BLAS``, else ``numpy``; checked."""
    choice = (mode if mode is not None else os.environ.get(ENV_MODE, "")).strip().lower()
    choice = choice or "numpy"
    if choice not in MODES:
        raise ValueError(f"{ENV_MODE} (or --blas) must be numpy or native, got {choice!r}")
    return choice


def julia_blas_env(mode: str | None = None) -> dict[str, str]:
    """The environment that tells Julia which BLAS to use and where numpy's is.

    In ``numpy`` mode (the default) a numpy without OpenBLAS falls back to
    ``native``, with the reason in ``PYREF_NUMPY_BLAS_REASON`` (shown in reports).
    Asked for ``numpy`` explicitly (``PYREF_JULIA_BLAS=numpy``), that raises instead.
    """
    choice = wanted_mode(mode)
    try:
        found = numpy_blas()
    except NumpyBlasError as err:
        if choice == "numpy" and (mode == "numpy" or os.environ.get(ENV_MODE, "").strip()):
            raise
        return {ENV_MODE: "native", ENV_REASON: str(err)}
    env = found.env()
    env[ENV_MODE] = choice
    return env


def current_threads() -> int:
    """numpy's BLAS thread count now (threadpool_limits may have changed it)."""
    return int(_blas_entry().get("num_threads", 1))


__all__ = [
    "ENV_MODE",
    "MODES",
    "NumpyBlas",
    "NumpyBlasError",
    "current_threads",
    "julia_blas_env",
    "numpy_blas",
    "wanted_mode",
]
