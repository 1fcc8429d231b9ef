"""PyRef's matrix products through numpy's own OpenBLAS (julia/src/numpy/numpyblas.jl).

`PyRef.np_dot` against `np.dot` on shapes that take each of numpy's BLAS paths
(gemm with every flag, gemv both ways, ddot, scalar products, syrk is not reached
by C-ordered operands), with 1 and 2 BLAS threads; the environment pyref passes to
Julia; the clear failures; PyRef alone staying native; and the strict parity of a
training scenario with numpy's SIMD targets switched off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyref.runtime import locate, numpyblas

#: (L, M, N) for np.dot of (L, M) and (M, N): the book's products, odd sizes, and
#: sizes of 1, which numpy sends to gemv, ddot or a scalar multiplication.
SHAPES = [
    (128, 784, 100),
    (100, 100, 10),
    (300, 1024, 50),
    (3, 784, 100),
    (1000, 100, 100),
    (1, 784, 100),
    (784, 1, 100),
    (1, 100, 784),
    (100, 784, 1),
    (1, 5, 1),
    (1, 1, 1),
    (1, 1, 7),
    (7, 1, 1),
    (5, 1, 7),
    (2, 3, 4),
    (10, 8, 16),
    (32, 7, 8),
    (97, 211, 13),
]


def test_the_environment_names_numpy_s_openblas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(numpyblas.ENV_MODE, raising=False)
    found = numpyblas.numpy_blas()
    assert Path(found.path).is_file()
    env = numpyblas.julia_blas_env()
    assert env[numpyblas.ENV_MODE] == "numpy"
    assert env[numpyblas.ENV_LIB] == found.path
    assert env[numpyblas.ENV_THREADS] == str(numpyblas.current_threads())
    assert env[numpyblas.ENV_CORE] == found.core
    assert numpyblas.julia_blas_env("native")[numpyblas.ENV_MODE] == "native"
    monkeypatch.setenv(numpyblas.ENV_MODE, "fast")
    with pytest.raises(ValueError, match="PYREF_JULIA_BLAS"):
        numpyblas.julia_blas_env()


def test_another_blas_falls_back_to_native_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"user_api": "blas", "internal_api": "mkl", "filepath": "/opt/libmkl_rt.so"}
    monkeypatch.setattr(numpyblas, "_blas_entry", lambda: entry)
    monkeypatch.delenv(numpyblas.ENV_MODE, raising=False)
    env = numpyblas.julia_blas_env()
    assert env[numpyblas.ENV_MODE] == "native"
    assert "mkl" in env[numpyblas.ENV_REASON] and "OpenBLAS" in env[numpyblas.ENV_REASON]
    with pytest.raises(numpyblas.NumpyBlasError, match="need numpy on OpenBLAS"):
        numpyblas.julia_blas_env("numpy")


@pytest.mark.parametrize("threads", [1, 2])
def test_np_dot_is_numpy_s_dot(julia_session, threads: int) -> None:
    from threadpoolctl import threadpool_limits

    rng = np.random.RandomState(0)
    with threadpool_limits(limits=threads, user_api="blas"):
        info = julia_session.use_blas("numpy")
        assert info["mode"] == "numpy" and info["threads"] == numpyblas.current_threads()
        for L, M, N in SHAPES:
            a, b = rng.randn(L, M), rng.randn(M, N)
            want, got = np.dot(a, b), julia_session.call("PyRef.np_dot", a, b)
            differ = int((want.view(np.int64) != got.view(np.int64)).sum())
            assert differ == 0, f"{(L, M, N)} with {threads} thread(s): {differ} entries differ"
    julia_session.use_blas()  # back to numpy's own thread count


def test_a_missing_library_is_a_clear_error(
    julia_exe: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pyref.runtime import start_session

    missing = tmp_path / "libopenblas_gone.so"
    monkeypatch.setenv(numpyblas.ENV_LIB, str(missing))
    session = start_session("exe")
    try:
        assert session.info["matmul"]["mode"] == "error"
        with pytest.raises(numpyblas.NumpyBlasError, match=f"{missing}.*does not exist"):
            session.use_blas("numpy")
        assert session.use_blas("native")["mode"] == "native"
    finally:
        session.close()


def test_pyref_alone_uses_julia_s_blas(julia_exe: Path) -> None:
    env = {k: v for k, v in locate.julia_env().items() if not k.startswith("PYREF_NUMPY_BLAS")}
    env.pop(numpyblas.ENV_MODE, None)
    proc = subprocess.run(
        locate.julia_command(
            "-e",
            "using PyRef; print(PyRef.blas_mode()); "
            "print(' ', PyRef.np_dot([1.0 2.0; 3.0 4.0], [1.0 0.0; 0.0 1.0]))",
        ),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "native [1.0 2.0; 3.0 4.0]"


#: A training run and an Affine layer, in a pyref process whose numpy runs
#: without any SIMD target above its baseline.
NO_SIMD_SCENARIOS = ("layer-affine", "layer-affine-single", "trainer-sgd")


def test_strict_parity_without_numpy_s_simd(julia_exe: Path) -> None:
    from numpy._core._multiarray_umath import __cpu_dispatch__ as dispatch

    from pyref.runtime import mathmode

    features = mathmode.cpu_features()
    disable = [name for name in dispatch if features.get(name, False)]
    if not disable:
        pytest.skip("numpy has no SIMD targets above its baseline on this host")
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(disable), PYREF_JULIA_BRIDGE="exe")
    for name in (mathmode.ENV_MATH, mathmode.ENV_TANH, numpyblas.ENV_MODE):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "pyref.cli", "parity", "--scenario", *NO_SIMD_SCENARIOS],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "every output compared exact" in proc.stdout
    assert "tanh libm" in proc.stdout  # numpy's SIMD really was off
    assert f"{len(NO_SIMD_SCENARIOS)}/{len(NO_SIMD_SCENARIOS)} scenarios passed" in proc.stdout


def test_strict_parity_on_other_kernels(julia_exe: Path) -> None:
    """numpy's OpenBLAS told to run another CPU's kernels (as on a machine without
    AVX-512): Julia loads it with the same ones, and every output is still exact."""
    core = "Haswell" if numpyblas.numpy_blas().core.lower() != "haswell" else "Sandybridge"
    env = dict(os.environ, OPENBLAS_CORETYPE=core, PYREF_JULIA_BRIDGE="exe")
    env.pop(numpyblas.ENV_MODE, None)
    proc = subprocess.run(
        [sys.executable, "-m", "pyref.cli", "parity", "--scenario", *NO_SIMD_SCENARIOS],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert f"numpy's OpenBLAS (the same file), {core} kernels" in proc.stdout
    assert f"{len(NO_SIMD_SCENARIOS)}/{len(NO_SIMD_SCENARIOS)} scenarios passed" in proc.stdout
