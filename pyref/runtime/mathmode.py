"""Which float64 exp/log/power and tanh code the running numpy executes.

numpy's ufuncs do not always call the C library. On Linux x86_64 hosts whose CPU
numpy dispatches to AVX-512 (its X86_V4 / AVX512_SKX target), float64 ``np.exp``,
``np.log`` and ``np.power`` on arrays run Intel SVML kernels; ``np.tanh`` runs
numpy's own SIMD kernel wherever the dispatched target has FMA (x86_64 AVX2+FMA3,
aarch64). Their last bits differ from the C library's. PyRef, the Julia twin,
emulates both kinds, and must be told which one to reproduce: ``julia_env()`` in
:mod:`pyref.runtime.locate` passes :func:`julia_math_env` to every Julia it starts.

The answer is found empirically, by comparing numpy with the C library (which
Python's :mod:`math` calls) on probe inputs, and cross-checked against the CPU
features numpy reports, so that a numpy PyRef does not know is reported instead
of silently mismatched.
"""

from __future__ import annotations

import functools
import importlib
import math
import platform
import warnings
from dataclasses import dataclass

import numpy as np

#: Environment variables PyRef reads (see julia/src/numpy/numpymath.jl).
ENV_MATH = "PYREF_NUMPY_MATH"
ENV_TANH = "PYREF_NUMPY_TANH"

#: Probe sizes: SVML's exp differs from glibc's on ~4% of inputs, log on ~0.3%,
#: tanh on ~25%, so a libm-equal result on all probes is not a coincidence.
N_PROBES = 4000


class NumpyMathError(RuntimeError):
    """The running numpy's exp/log/power/tanh match neither implementation PyRef knows."""


@dataclass(frozen=True)
class NumpyMath:
    """What the running numpy uses: ``math`` for exp/log/power, ``tanh`` for tanh."""

    math: str  # "svml" or "libm"
    tanh: str  # "simd" or "libm"

    def env(self) -> dict[str, str]:
        """The environment variables that make PyRef reproduce this numpy."""
        return {ENV_MATH: self.math, ENV_TANH: self.tanh}


def cpu_features() -> dict[str, bool]:
    """numpy's runtime CPU feature table (``__cpu_features__``), empty if unavailable."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            umath = importlib.import_module(module)
        except ImportError:
            continue
        return dict(getattr(umath, "__cpu_features__", {}))
    return {}


def _differs_from_libm(numpy_out: np.ndarray, libm_out: list[float]) -> bool:
    """Whether numpy's outputs differ from the C library's in any bit."""
    expected = np.array(libm_out, dtype=np.float64)
    return bool(np.any(numpy_out.view(np.uint64) != expected.view(np.uint64)))


def probe_differences() -> dict[str, bool]:
    """For exp, log, power and tanh: does numpy differ from the C library on the probes?"""
    rs = np.random.RandomState(20240607)
    x_exp = rs.uniform(-30.0, 30.0, N_PROBES)
    x_log = rs.uniform(1e-3, 10.0, N_PROBES)
    x_pow, y_pow = rs.uniform(0.5, 10.0, N_PROBES), rs.uniform(-4.0, 4.0, N_PROBES)
    x_tanh = rs.uniform(-5.0, 5.0, N_PROBES)
    return {
        "exp": _differs_from_libm(np.exp(x_exp), [math.exp(v) for v in x_exp]),
        "log": _differs_from_libm(np.log(x_log), [math.log(v) for v in x_log]),
        "power": _differs_from_libm(
            np.power(x_pow, y_pow), [math.pow(a, b) for a, b in zip(x_pow, y_pow)]
        ),
        "tanh": _differs_from_libm(np.tanh(x_tanh), [math.tanh(v) for v in x_tanh]),
    }


def _machine() -> str:
    return platform.machine().lower()


@functools.cache
def numpy_math() -> NumpyMath:
    """Which implementations the running numpy uses (cached for the process).

    Raises :class:`NumpyMathError` when numpy's results differ from the C library's
    but not in a way PyRef can reproduce (e.g. only some of exp/log/power differ, or
    they differ on a CPU or platform where numpy does not link SVML).
    """
    diff = probe_differences()
    features = cpu_features()
    svml_math = [diff["exp"], diff["log"], diff["power"]]
    if not any(svml_math):
        math_mode = "libm"
    elif all(svml_math):
        avx512 = features.get("X86_V4", False) or features.get("AVX512_SKX", False)
        linux_x86 = platform.system() == "Linux" and _machine() in ("x86_64", "amd64")
        if not (avx512 and linux_x86):
            raise NumpyMathError(
                "numpy's float64 exp/log/power differ from the C library's, but numpy "
                f"(version {np.__version__}) reports no AVX-512 dispatch on a Linux x86_64 "
                "host, where it would use SVML; PyRef cannot reproduce this numpy. Set "
                f"{ENV_MATH}=svml or {ENV_MATH}=libm to choose by hand."
            )
        math_mode = "svml"
    else:
        which = ", ".join(name for name, d in zip(("exp", "log", "power"), svml_math) if d)
        raise NumpyMathError(
            f"numpy {np.__version__} differs from the C library only in {which} among "
            "exp/log/power, which matches neither SVML nor libm as PyRef knows them; set "
            f"{ENV_MATH}=svml or {ENV_MATH}=libm to choose by hand."
        )
    if not diff["tanh"]:
        tanh_mode = "libm"
    elif (
        features.get("FMA3", False)
        or features.get("X86_V3", False)
        or _machine()
        in (
            "aarch64",
            "arm64",
        )
    ):
        tanh_mode = "simd"
    else:
        raise NumpyMathError(
            f"numpy {np.__version__}'s np.tanh differs from the C library's on a CPU without "
            "the FMA its SIMD kernel needs; PyRef cannot reproduce it. Set "
            f"{ENV_TANH}=simd or {ENV_TANH}=libm to choose by hand."
        )
    return NumpyMath(math=math_mode, tanh=tanh_mode)


def julia_math_env() -> dict[str, str]:
    """``{PYREF_NUMPY_MATH: ..., PYREF_NUMPY_TANH: ...}`` for the running numpy.

    When the numpy cannot be classified this warns and returns ``{}``: Julia then
    decides from the CPU alone, which is right for every numpy wheel PyRef knows.
    """
    try:
        return numpy_math().env()
    except NumpyMathError as err:
        warnings.warn(str(err), RuntimeWarning, stacklevel=2)
        return {}
