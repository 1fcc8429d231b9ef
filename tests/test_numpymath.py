"""numpy's float64 exp/log/tanh/power against PyRef's np_* functions, in every mode
this host's numpy can be put in.

Each scenario starts numpy in a subprocess, as dispatched or with CPU targets
switched off through NPY_DISABLE_CPU_FEATURES (AVX-512 off: exp/log/power go back
to the C library; all SIMD targets off: tanh too). The subprocess classifies its
numpy with pyref.runtime.mathmode and writes numpy's test vectors
(pyref.parity.numpy_vectors.write_numpymath); then julia/test/test_numpymath.jl runs in the
mode found there and compares with ===. Julia in the wrong mode must fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from pyref.runtime import locate, mathmode

#: Runs julia/test/test_numpymath.jl alone, with the test-vector folder as ARGS[1].
JULIA_SNIPPET = (
    'using Test; const VECTORS_DIR = ARGS[1]; @testset "numpymath" begin include(ARGS[2]) end'
)

#: Writes numpy's test vectors into argv[1] and prints what mathmode finds, as JSON.
VECTORS_SNIPPET = """
import json, sys
from pyref.parity import numpy_vectors
from pyref.runtime import mathmode
numpy_vectors.write_numpymath(sys.argv[1])
mode = mathmode.numpy_math()
print(json.dumps({"math": mode.math, "tanh": mode.tanh,
                  "differs": mathmode.probe_differences()}))
"""


def _dispatched() -> list[str]:
    """numpy's dispatch targets that are active on this CPU."""
    features = mathmode.cpu_features()
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__ as dispatch
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__ as dispatch
    return [name for name in dispatch if features.get(name, False)]


def _numpy_in_subprocess(tmp_path: Path, disable: list[str]) -> tuple[Path, dict, dict[str, str]]:
    """Test-vector folder, mathmode's findings and the environment of a numpy subprocess
    with the CPU targets `disable` switched off."""
    env = dict(os.environ)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    env.pop(mathmode.ENV_MATH, None)
    env.pop(mathmode.ENV_TANH, None)
    if disable:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(disable)
    vectors_dir = tmp_path / "vectors"
    proc = subprocess.run(
        [sys.executable, "-c", VECTORS_SNIPPET, str(vectors_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return vectors_dir, json.loads(proc.stdout.strip().splitlines()[-1]), env


def _run_julia_test(
    julia_exe: Path, vectors_dir: Path, env: dict[str, str], mode: dict
) -> tuple[int, str]:
    """Run test_numpymath.jl with PyRef in `mode`; return its exit code and output."""
    env = dict(env)
    env[mathmode.ENV_MATH] = mode["math"]
    env[mathmode.ENV_TANH] = mode["tanh"]
    test_file = locate.julia_project_dir() / "test" / "test_numpymath.jl"
    proc = subprocess.run(
        [*locate.julia_command("-e", JULIA_SNIPPET, str(vectors_dir), str(test_file))],
        env=locate.julia_env(env),
        capture_output=True,
        text=True,
        timeout=900,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _scenarios() -> list[tuple[str, list[str]]]:
    dispatched = _dispatched()
    avx512 = [name for name in dispatched if name == "X86_V4" or name.startswith("AVX512")]
    return [("as-dispatched", []), ("no-avx512", avx512), ("no-simd", dispatched)]


@pytest.mark.parametrize("scenario", ["as-dispatched", "no-avx512", "no-simd"])
def test_np_functions_match_numpy(julia_exe: Path, tmp_path: Path, scenario: str) -> None:
    disable = dict(_scenarios())[scenario]
    native = mathmode.numpy_math()
    if scenario == "no-avx512" and (not disable or native.math != "svml"):
        pytest.skip("numpy does not use AVX-512 (SVML) on this host; nothing to switch off")
    if scenario == "no-simd" and not disable:
        pytest.skip("numpy has no SIMD targets above its baseline on this host")
    vectors_dir, found, env = _numpy_in_subprocess(tmp_path, disable)
    if scenario == "as-dispatched":
        assert found["math"] == native.math and found["tanh"] == native.tanh
    elif scenario == "no-avx512":
        # Switching AVX-512 off really sends exp/log/power back to the C library.
        assert not any(found["differs"][f] for f in ("exp", "log", "power")), found
        assert found["math"] == "libm" and found["tanh"] == native.tanh
    else:
        assert found == {"math": "libm", "tanh": "libm", "differs": found["differs"]}
        assert not any(found["differs"].values()), found
    code, output = _run_julia_test(julia_exe, vectors_dir, env, found)
    assert code == 0, output[-6000:]
    assert "differ from numpy" not in output, output[-6000:]


def test_julia_in_the_wrong_mode_fails(julia_exe: Path, tmp_path: Path) -> None:
    """The comparison has teeth: a libm numpy's outputs are not SVML's, nor the reverse."""
    native = mathmode.numpy_math()
    avx512 = [name for name in _dispatched() if name == "X86_V4" or name.startswith("AVX512")]
    vectors_dir, found, env = _numpy_in_subprocess(tmp_path, avx512 if native.math == "svml" else [])
    assert found["math"] == "libm"
    code, output = _run_julia_test(julia_exe, vectors_dir, env, {**found, "math": "svml"})
    assert code != 0
    assert "np_exp:" in output and "np_log:" in output and "np_power:" in output, output[-6000:]


def test_mathmode_classifies_this_numpy() -> None:
    mode = mathmode.numpy_math()
    assert mode.math in ("svml", "libm") and mode.tanh in ("simd", "libm")
    differs = mathmode.probe_differences()
    assert (mode.math == "svml") == differs["exp"] == differs["log"] == differs["power"]
    assert (mode.tanh == "simd") == differs["tanh"]
    assert mode.env() == {"PYREF_NUMPY_MATH": mode.math, "PYREF_NUMPY_TANH": mode.tanh}


def test_mathmode_rejects_an_unknown_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    mixed = {"exp": True, "log": False, "power": True, "tanh": False}
    monkeypatch.setattr(mathmode, "probe_differences", lambda: mixed)
    mathmode.numpy_math.cache_clear()
    try:
        with pytest.raises(mathmode.NumpyMathError, match="only in exp, power"):
            mathmode.numpy_math()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert mathmode.julia_math_env() == {}
        assert any("PYREF_NUMPY_MATH" in str(w.message) for w in caught)
    finally:
        mathmode.numpy_math.cache_clear()


def test_julia_env_sets_the_mode_unless_the_user_did() -> None:
    mode = mathmode.numpy_math()
    env = locate.julia_env({})
    assert env["PYREF_NUMPY_MATH"] == mode.math and env["PYREF_NUMPY_TANH"] == mode.tanh
    mine = locate.julia_env({"PYREF_NUMPY_MATH": "libm"})
    assert mine["PYREF_NUMPY_MATH"] == "libm" and mine["PYREF_NUMPY_TANH"] == mode.tanh
