"""pyref verify: the verdicts on constructed differences, and real ports checked in Julia."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyref.cli import main
from pyref.optimizers import Momentum
from pyref.verify import report
from pyref.verify.cases import COMPONENTS, build_case
from pyref.verify.runner import VerifyUsageError, verify
from pyref.verify.vectors import parse_components, write_vectors
from pyref.verify.verdict import EPS, ROUNDING_FIRST, judge

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "verify"


def _steps(arrays: list[np.ndarray], name: str = "W") -> list[dict[str, np.ndarray]]:
    return [{name: a} for a in arrays]


# --- verdicts on constructed cases (numpy only) -----------------------------------


def test_equal_outputs_are_exact():
    a = np.random.RandomState(0).randn(4, 3)
    v = judge(_steps([a, 2 * a]), _steps([a.copy(), 2 * a]))
    assert v.verdict == "exact" and v.first is None and v.max_error == 0


def test_a_reordered_product_is_rounding():
    rs = np.random.RandomState(1)
    a, b, c = rs.rand(50), rs.rand(50), rs.rand(50)
    book, port = (a * b) * c, a * (b * c)
    assert not np.array_equal(book, port)  # the case is one of differing bits
    v = judge(_steps([book]), _steps([port]))
    assert v.verdict == "rounding"
    assert 0 < v.step_errors[0] <= ROUNDING_FIRST * EPS
    assert v.first.ulps() is not None and v.first.ulps() <= 4


def test_a_momentum_that_skips_its_velocity_is_formula_from_step_1():
    rs = np.random.RandomState(2)
    w0 = rs.randn(5, 4)
    grads = [rs.randn(5, 4) for _ in range(5)]
    opt, w = Momentum(lr=0.01, momentum=0.9), {"W": w0.copy()}
    book = []
    for g in grads:
        opt.update(w, {"W": g})
        book.append(w["W"].copy())
    port, wp = [], w0.copy()
    for g in grads:  # computes v, then applies plain SGD
        wp = wp - 0.01 * g
        port.append(wp.copy())
    v = judge(_steps(book), _steps(port))
    assert v.verdict == "formula"
    assert v.first.step == 1 and v.step_errors[0] == 0


def test_a_variance_over_n_minus_1_is_formula():
    x = np.random.RandomState(3).randn(6, 5)
    xc = x - x.mean(axis=0)
    book = xc / np.sqrt(np.mean(xc**2, axis=0) + 1e-6)
    port = xc / np.sqrt(np.sum(xc**2, axis=0) / 5 + 1e-6)
    v = judge(_steps([book], "out"), _steps([port], "out"))
    assert v.verdict == "formula" and v.first.step == 0
    assert v.step_errors[0] > 1e-3


def test_rounding_that_grows_past_the_trail_bound_is_formula():
    a = np.linspace(1, 2, 10)
    port = [a * (1 + k * 1e-16) for k in range(3)] + [a * (1 + 1e-6)]
    v = judge(_steps([a] * 4), _steps(port))
    assert v.verdict == "formula" and v.beyond_step == 3


def test_sign_nan_and_infinity_are_named_not_counted_in_ulps():
    a = np.array([1.0, -2.0, 3.0])
    for port, words in [
        (np.array([1.0, 2.0, 3.0]), "sign differs"),
        (np.array([1.0, np.nan, 3.0]), "NaN on the Julia side only"),
        (np.array([1.0, -np.inf, 3.0]), "infinite on the Julia side only"),
    ]:
        v = judge(_steps([a]), _steps([port]))
        assert v.verdict == "formula"
        assert words in v.first.describe() and "ULPs" not in v.first.describe()
        assert v.first.ulps() is None


def test_a_shape_that_differs_is_formula():
    v = judge(_steps([np.zeros((3, 2))]), _steps([np.zeros((2, 3))]))
    assert v.verdict == "formula" and "shapes differ" in v.first.describe()


def test_every_component_has_a_reference_case():
    for kind, names in COMPONENTS.items():
        for name in names:
            case = build_case(kind, name, {}, 2, 0)
            assert len(case.outputs) == 2 and case.outputs[0]
            assert all(np.all(np.isfinite(v)) for step in case.outputs for v in step.values()), (
                f"{kind} {name}"
            )


def test_vector_component_names():
    assert parse_components(["Momentum", "Affine", "softmax"]) == [
        ("optimizer", "Momentum", {}),
        ("layer", "Affine", {}),
        ("function", "softmax", {}),
    ]
    assert parse_components(["training:Adam"]) == [
        ("training", "MultiLayerNet", {"optimizer": "Adam"})
    ]
    with pytest.raises(ValueError, match="'Momentom' is not one of the book's components"):
        parse_components(["Momentom"])


# --- ports checked in Julia ------------------------------------------------------


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _by_label(results):
    return {r.label: r for r in results}


def test_the_example_optimizer_port_is_exact(julia_session):
    results = verify([EXAMPLES / "optimizers.jl"], session=julia_session)
    assert [r.label for r in results] == list(COMPONENTS["optimizer"])
    assert all(r.verdict.verdict == "exact" for r in results), report.text(results)


def test_pyref_s_own_components_as_a_port_are_exact(julia_session):
    """Every kind of check, run on PyRef's components: the harness hands each port
    what the book's component receives (arrays, layouts, rng, minibatches)."""
    results = verify(
        [ROOT / "tests" / "ports" / "pyref_components.jl"], steps=3, session=julia_session
    )
    kinds = {r.kind for r in results}
    assert kinds == set(COMPONENTS)
    assert {r.component for r in results if r.kind == "layer"} == set(COMPONENTS["layer"])
    assert {r.component for r in results if r.kind == "function"} == set(COMPONENTS["function"])
    assert all(r.verdict.verdict == "exact" for r in results), report.text(results)


def test_the_buggy_port_gets_the_verdict_each_mistake_deserves(julia_session):
    path = EXAMPLES / "buggy.jl"
    r = _by_label(verify([path], session=julia_session))
    assert r["Momentum"].verdict.verdict == "formula"
    assert r["Momentum"].verdict.first.step == 1  # right at step 0 only
    assert r["Nesterov"].verdict.verdict == "formula"
    assert r["Nesterov"].verdict.first.step == 0
    assert r["RMSprop"].verdict.verdict == "rounding"
    assert r["BatchNormalization"].verdict.verdict == "formula"
    adam = r["Adam"].verdict
    assert adam.verdict == "error" and adam.error["type"] == "DimensionMismatch"
    line = _line(path, "p .-= lr_t .* m")
    assert adam.error["frames"][0].endswith(f"{path}:{line}")
    text = report.text(list(r.values()))
    assert f"{report.shown(str(path))}:{line}" in text and "first differs at step 1, W1[" in text


def test_ports_in_every_layout(julia_session, tmp_path):
    port = tmp_path / "layouts.jl"
    port.write_text(
        """
using PyRef.Verify
module Optim
struct SGD; lr::Float64; end
new(; lr=0.01) = SGD(lr)
step!(o::SGD, p::AbstractVector, g) = for i in eachindex(p); p[i] .-= o.lr .* g[i]; end
end
verify_optimizer("SGD"; hyper=(lr=0.05,), make=h -> Optim.new(lr=h.lr), step=Optim.step!,
                 layout=:vector, label="vector")
verify_optimizer("SGD"; make=h -> h.lr, layout=:symbol_dict, label="symbols",
                 step=(lr, p, g) -> Dict(k => p[k] .- lr .* g[k] for k in keys(p)))
verify_optimizer("SGD"; make=h -> h.lr, layout=:nested, label="nested",
                 step=(lr, p, g) -> [[w .- lr .* d for (w, d) in zip(l, gl)] for (l, gl) in zip(p, g)])
struct Net; ws; end
verify_optimizer("SGD"; make=h -> h.lr, label="custom",
                 layout=(d -> Net([d["W1"], d["b1"], d["W2"], d["b2"]]),
                         n -> Dict("W1" => n.ws[1], "b1" => n.ws[2], "W2" => n.ws[3], "b2" => n.ws[4])),
                 step=(lr, n, g) -> foreach((w, d) -> w .-= lr .* d, n.ws, g.ws))
"""
    )
    results = verify([port], steps=3, session=julia_session)
    assert {r.label: r.verdict.verdict for r in results} == dict.fromkeys(
        ["vector", "symbols", "nested", "custom"], "exact"
    )


def test_layers_net_and_training_ports(julia_session):
    r = _by_label(
        verify([EXAMPLES / "layers.jl", EXAMPLES / "net.jl"], steps=4, session=julia_session)
    )
    assert r["Affine"].verdict.verdict == "exact"
    assert r["Relu"].verdict.verdict == "exact"
    # its mask drawn with Julia's rand(rng, size(x)...) on numpy's stream
    assert r["Dropout"].verdict.verdict == "exact"
    # exp from Julia's libm, the sums in Julia's order: the same formulas, rounded otherwise
    assert r["Sigmoid"].verdict.verdict == "rounding"
    assert r["SoftmaxWithLoss"].verdict.verdict == "rounding"
    assert r["MultiLayerNet"].verdict.verdict in ("exact", "rounding")
    assert r["MultiLayerNet-SGD"].verdict.verdict in ("exact", "rounding")
    assert r["MultiLayerNet-SGD"].steps == 4


def test_a_hanging_port_and_a_port_returning_nothing_are_errors_and_the_rest_go_on(
    julia_exe, tmp_path
):
    port = tmp_path / "port.jl"
    port.write_text(
        """
using PyRef.Verify
verify_optimizer("SGD"; make=h -> h.lr, label="hangs",
                 step=(lr, p, g) -> while true; sleep(0.05); end)
verify_function("softmax", x -> nothing; label="nothing")
verify_optimizer("SGD"; make=h -> h.lr, label="fine",
                 step=(lr, p, g) -> for k in keys(p); p[k] .-= lr .* g[k]; end)
"""
    )
    r = _by_label(verify([port], steps=2, timeout=20))
    assert r["hangs"].verdict.verdict == "error"
    assert "time limit" in r["hangs"].verdict.error["message"]
    assert r["nothing"].verdict.verdict == "error"
    assert "returned nothing" in r["nothing"].verdict.error["message"]
    assert r["fine"].verdict.verdict == "exact"
    with pytest.raises(ValueError, match="timeout"):
        verify([port], timeout=0)


def test_cli_exit_codes_and_json(julia_exe, tmp_path, capsys):
    out = tmp_path / "report.json"
    code = main(["verify", str(EXAMPLES / "buggy.jl"), "--steps", "3", "--json", str(out)])
    assert code == 1
    data = json.loads(out.read_text())
    assert data["steps"] == 3 and data["thresholds"]["rounding_first_eps"] == ROUNDING_FIRST
    checks = {c["name"]: c for c in data["checks"]}
    momentum = checks["Momentum"]
    assert momentum["verdict"] == "formula" and momentum["first_step"] == 1
    assert momentum["first_output"] == "W1" and len(momentum["first_index"]) == 2
    assert isinstance(momentum["python"], float) and isinstance(momentum["julia"], float)
    assert checks["Adam"]["frames"] and checks["Adam"]["error_type"] == "DimensionMismatch"
    assert main(["verify", str(EXAMPLES / "optimizers.jl"), "--only", "S*", "--steps", "2"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "text, words",
    [
        ("using PyRef.Verify\nx = 1\n", "registers no check"),
        ("using PyRef.Verify\nfunction f(\n", ":2: syntax"),
        (
            'using PyRef.Verify\n\nverify_optimizer("Momentom"; make=h->1, step=(o,p,g)->p)\n',
            ":3: ArgumentError: name must be one of the book's optimizers",
        ),
        (
            'using PyRef.Verify\nverify_optimizer("SGD"; hyper=(momentum=0.9,), make=h->1, step=(o,p,g)->p)\n',
            "hyper has momentum, which the book's SGD does not take",
        ),
    ],
)
def test_port_files_that_cannot_run_are_usage_errors(julia_session, tmp_path, text, words):
    port = tmp_path / "port.jl"
    port.write_text(text)
    with pytest.raises(VerifyUsageError, match=words) as info:
        verify([port], session=julia_session)
    assert str(port) in str(info.value)


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nosuch.jl")]) == 2
    assert "port file" in capsys.readouterr().err
    assert main(["vectors", "Momentom", "--out", str(tmp_path / "v")]) == 2
    assert "Momentom" in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


def test_vectors_round_trip_from_plain_julia(julia_exe, tmp_path):
    vectors = tmp_path / "vectors"
    write_vectors(parse_components(["SGD", "Momentum", "Adam"]), vectors, steps=3)
    manifest = json.loads((vectors / "manifest.json").read_text())
    assert [c["component"] for c in manifest["cases"]] == ["SGD", "Momentum", "Adam"]
    test = tmp_path / "runtests.jl"
    julia = [str(julia_exe), f"--project={ROOT / 'julia'}", str(test)]
    test.write_text(
        f"using Test, PyRef.Verify\ninclude({str(EXAMPLES / 'optimizers.jl')!r})\n"
        f"check_vectors({str(vectors)!r})\n".replace("'", '"')
    )
    done = subprocess.run(julia, capture_output=True, text=True, timeout=600)
    # the three optimizers with vectors pass (3 steps x 4 outputs each); the other
    # three registered checks fail, each for want of its vectors
    assert "36" in done.stdout and done.returncode != 0, done.stdout + done.stderr
    assert "has no vectors for optimizer Nesterov" in done.stderr
    test.write_text(
        f"using Test, PyRef.Verify\ninclude({str(EXAMPLES / 'optimizers.jl')!r})\n".replace(
            "'", '"'
        )
        + f'check_vectors("{vectors}", PyRef.Verify.CHECKS[1], PyRef.Verify.CHECKS[2])\n'
    )
    done = subprocess.run(julia, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "24" in done.stdout.split("pyref vectors")[-1]  # 2 checks x 3 steps x 4 outputs
    buggy = tmp_path / "buggy.jl"
    buggy.write_text(
        "using Test, PyRef.Verify\n"
        'c = verify_optimizer("SGD"; make=h -> h.lr, step=(lr, p, g) -> '
        "foreach(k -> p[k] .-= g[k] .* lr .* 1.0000001, keys(p)))\n"
        f'check_vectors("{vectors}", c)\n'
    )
    done = subprocess.run(
        [str(julia_exe), f"--project={ROOT / 'julia'}", str(buggy)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0 and "output W1 differs at step 0" in done.stderr


def _doc_blocks(page: Path) -> list[tuple[str, str]]:
    return re.findall(r"```(bash|text|julia)\n(.*?)```", page.read_text(), flags=re.S)


def test_every_command_of_docs_verify_runs_and_prints_what_the_page_shows(julia_exe, tmp_path):
    """docs/verify.md's commands, run where the page's relative paths hold; each report
    the page shows is the report the command prints (rows, and notes but for times)."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ, MPLBACKEND="Agg")
    blocks = _doc_blocks(ROOT / "docs" / "verify.md")
    ran = 0
    for i, (kind, body) in enumerate(blocks):
        if kind == "bash":
            for line in body.strip().splitlines():
                argv = [sys.executable, "-m", "pyref.cli", *shlex.split(line)[1:]]
                done = subprocess.run(
                    argv, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600
                )
                assert done.returncode in (0, 1), f"{line}: {done.stderr}"
                ran += 1
                if i + 1 < len(blocks) and blocks[i + 1][0] == "text":
                    printed = re.sub(r" +[0-9.]+ s$", "", done.stdout, flags=re.M)
                    assert printed.strip() == blocks[i + 1][1].strip(), line
        elif kind == "julia" and ("check_vectors" in body or "RandomState" in body):
            script = tmp_path / "runtests.jl"
            script.write_text(body)
            done = subprocess.run(
                [str(julia_exe), f"--project={ROOT / 'julia'}", str(script)],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                timeout=600,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            ran += 1
    assert ran >= 5
