"""The parity harness as a port author uses it: choosing scenarios by glob, running
only a loaded file's scenarios, the reports of sides that return the wrong thing,
step axes, differences ULPs do not measure, the user's stack frames of an error,
the public helpers and every command docs/parity.md shows.

Commands run in this process through `pyref.cli.main`, on the shared Julia session.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import textwrap
from pathlib import Path

import numpy as np
import pytest

from pyref import cli, parity
from pyref.parity import EXACT, Scenario, compare_output
from pyref.parity.compare import SPECIAL_KINDS, comparable_ulps, describe_values
from pyref.parity.frames import python_frames, shown_frame

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "parity.md"
EXAMPLE = REPO / "examples" / "parity" / "my_scenarios.py"


@pytest.fixture(autouse=True)
def _forget_loaded_scenarios(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scenarios a `--load` registers here are forgotten after each test."""
    from pyref.parity import registry

    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    monkeypatch.setattr(registry, "_ORIGIN", dict(registry._ORIGIN))


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The number of the first line of ``path`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(k for k, line in enumerate(lines, 1) if text in line)


def error_line(capsys: pytest.CaptureFixture) -> str:
    """The one stderr line of a usage error, in the CLI's style, without a traceback."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("pyref parity: error: "), lines[0]
    return lines[0]


def listed(out: str) -> list[str]:
    """The scenario names a `--list` printed."""
    rows = out.split("\n\n")[0].splitlines()[1:]
    return [row.split()[0] for row in rows]


# -- 1: --scenario takes globs --------------------------------------------------------


def test_globs_choose_in_the_suites_order_once_each() -> None:
    names = [sc.name for sc in parity.select(["optimizer-*"])]
    builtin = [n for n in parity.all_scenarios() if n.startswith("optimizer-")]
    assert names == builtin and "optimizer-momentum" in names
    both = parity.select(["layer-affine", "optimizer-adag*", "optimizer-adagrad"])
    assert [sc.name for sc in both] == ["layer-affine", "optimizer-adagrad"]
    # A glob stands for every name it matches, the full-length ones too.
    assert "full-train-convnet" in [sc.name for sc in parity.select(["full-*"])]
    assert [sc.name for sc in parity.select(["layer-pooling-?????ed"])] == ["layer-pooling-strided"]


def test_a_glob_matching_nothing_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ValueError, match=r"--scenario 'nope-\*' matches no scenario"):
        parity.select(["layer-affine", "nope-*"])
    assert cli.main(["parity", "--scenario", "layer-affine", "optimizer-x*"]) == 2
    line = error_line(capsys)
    assert line == (
        "pyref parity: error: --scenario 'optimizer-x*' matches no scenario "
        "(pyref parity --list shows them)"
    )


def test_list_with_a_glob(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["parity", "--list", "--scenario", "layer-softmax*"]) == 0
    out = capsys.readouterr().out
    assert listed(out) == ["layer-softmax-with-loss", "layer-softmax-with-loss-onehot"]


# -- 2: --load runs only what it loads -------------------------------------------------


def test_load_lists_and_runs_only_its_scenarios(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["parity", "--load", str(EXAMPLE), "--list"]) == 0
    assert listed(capsys.readouterr().out) == ["my-momentum", "my-bright-pixels"]
    argv = ["parity", "--load", str(EXAMPLE), "--with-builtin", "--list"]
    assert cli.main(argv) == 0
    names = listed(capsys.readouterr().out)
    assert names[-2:] == ["my-momentum", "my-bright-pixels"] and "layer-affine" in names
    assert len(names) == len(parity.select())


def test_a_builtin_name_under_load_says_how_to_add_the_suite(
    capsys: pytest.CaptureFixture,
) -> None:
    assert cli.main(["parity", "--load", str(EXAMPLE), "--scenario", "layer-affine"]) == 2
    line = error_line(capsys)
    assert "unknown scenario(s) layer-affine; known: my-momentum, my-bright-pixels" in line
    assert line.endswith("(add --with-builtin for the built-in ones)")
    argv = ["parity", "--load", str(EXAMPLE), "--scenario", "layer-*", "--list"]
    assert cli.main(argv) == 2
    assert "--scenario 'layer-*' matches no scenario" in error_line(capsys)
    argv = ["parity", "--load", str(EXAMPLE), "--with-builtin", "--scenario", "layer-affine"]
    assert cli.main([*argv, "--list"]) == 0
    assert listed(capsys.readouterr().out) == ["layer-affine"]


def test_a_file_that_registers_nothing_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    empty = write(tmp_path / "empty.py", "from pyref.parity import Scenario\nX = 1\n")
    assert cli.main(["parity", "--load", str(empty)]) == 2
    line = error_line(capsys)
    assert line.startswith(f"pyref parity: error: --load {empty}: registers no scenario")
    assert cli.main(["parity", "--load", str(empty), "--list"]) == 2
    assert "registers no scenario" in error_line(capsys)
    with pytest.raises(parity.ScenarioLoadError, match="registers no scenario"):
        parity.load_scenarios(str(empty))


def test_with_builtin_needs_load(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["parity", "--with-builtin", "--list"]) == 2
    assert "--with-builtin adds the built-in scenarios" in error_line(capsys)


def test_options_that_leave_nothing_to_run(tmp_path: Path, capsys) -> None:
    only_full = write(
        tmp_path / "only_full.py",
        """
        from pyref.parity import Scenario, register
        register(Scenario("long-one", lambda: {}, "Main.f", full=True))
        """,
    )
    assert cli.main(["parity", "--load", str(only_full)]) == 2
    assert "no scenario to run" in error_line(capsys)


def test_load_returns_what_it_registered(tmp_path: Path) -> None:
    two = write(
        tmp_path / "two.py",
        """
        from pyref.parity import Scenario, register
        register(Scenario("two-a", lambda: {}, "Main.f"))
        register(Scenario("two-b", lambda: {}, "Main.f"))
        """,
    )
    assert [sc.name for sc in parity.load_scenarios(str(two))] == ["two-a", "two-b"]


# -- 3, 5: a side that returns the wrong thing, and the user's frames of an error -------


def test_wrong_returns_and_errors_name_the_side(
    julia_session, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    write(
        tmp_path / "wrong.jl",
        """
        module HarnessWrong
        struct State
            a::Float64
        end
        vector(; n) = collect(1.0:n)
        state(; n) = State(1.0)
        named(; n) = (x = collect(1.0:n),)
        inner(v) = v[10]
        outer(; n) = Dict("x" => inner(collect(1.0:n)))
        end
        """,
    )
    write(
        tmp_path / "wrong.py",
        """
        from pathlib import Path

        import numpy as np
        from pyref.optimizers import make_optimizer
        from pyref.parity import Scenario, register

        J = (str(Path(__file__).with_name("wrong.jl")),)


        def good(*, n):
            return {"x": np.arange(1.0, n + 1)}


        def as_list(*, n):
            return [1.0] * n


        def bad_name(*, n):
            return make_optimizer("not-an-optimizer")


        for name, py, jl in [
            ("w-julia-vector", good, "vector"),
            ("w-julia-struct", good, "state"),
            ("w-julia-namedtuple", good, "named"),
            ("w-python-list", as_list, "named"),
            ("w-python-raises", bad_name, "named"),
            ("w-julia-raises", good, "outer"),
        ]:
            register(Scenario(name, py, "HarnessWrong." + jl, kwargs={"n": 3}, julia_files=J))
        """,
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["parity", "--load", "wrong.py", "--json", "wrong.json"]) == 1
    out = capsys.readouterr().out
    rows = {
        line.split()[0]: line.split()[-1]
        for line in out.splitlines()
        if line.startswith("w-") and line.split()[-1] in ("pass", "FAIL", "ERROR")
    }
    assert rows == {
        "w-julia-vector": "ERROR",
        "w-julia-struct": "ERROR",
        "w-julia-namedtuple": "pass",
        "w-python-list": "ERROR",
        "w-python-raises": "ERROR",
        "w-julia-raises": "ERROR",
    }
    assert re.search(
        r"^w-julia-vector: the Julia side returned (Array\{Float64,1\}|Vector\{Float64\}), "
        r"not a Dict of named outputs$",
        out,
        flags=re.M,
    )
    assert "w-julia-struct: the Julia side returned Main.HarnessWrong.State, not a Dict" in out
    assert "w-python-list: the Python side returned list, not a dict of named outputs" in out
    # The user's frames, innermost first; pyref's own (checks, optimizers) left out.
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("w-python-raises: "))
    assert lines[i].startswith(
        "w-python-raises: the Python side raised ValueError: unknown optimizer"
    )
    py_line = line_of(tmp_path / "wrong.py", 'return make_optimizer("not-an-optimizer")')
    assert lines[i + 1] == f"  in bad_name at wrong.py:{py_line}"
    assert not lines[i + 2].startswith("  in ")
    i = next(k for k, ln in enumerate(lines) if ln.startswith("w-julia-raises: "))
    assert lines[i].startswith("w-julia-raises: the Julia side raised BoundsError: ")
    assert lines[i + 1 : i + 3] == ["  in inner at wrong.jl:8", "  in outer at wrong.jl:9"]
    assert i + 3 == len(lines) or not lines[i + 3].startswith("  in ")
    report = {r["scenario"]: r for r in json.loads(Path("wrong.json").read_text())["results"]}
    assert report["w-julia-raises"]["frames"] == [
        f"inner at {tmp_path / 'wrong.jl'}:8",
        f"outer at {tmp_path / 'wrong.jl'}:9",
    ]
    assert report["w-julia-vector"]["frames"] == []


def test_the_error_frames_the_page_shows(
    julia_session, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    """docs/parity.md's `error-frames` block is what a port that throws prints."""
    block = re.search(
        r"<!-- output: error-frames -->\s*```text\n(.*?)```", PAGE.read_text(), flags=re.S
    )
    write(
        tmp_path / "my_port.jl",
        """
        module MyPortFrames

        function check_steps(steps)
            steps > 0 || throw(ArgumentError("steps must be positive, got $steps"))
        end

        function gradient_descent_path(; seed, lr, steps)
            check_steps(steps)
            return Dict("path" => zeros(steps + 1, 2))
        end

        end
        """,
    )
    write(
        tmp_path / "my_port.py",
        """
        from pathlib import Path

        import numpy as np
        from pyref.parity import Scenario, register


        def gradient_descent_path(*, seed, lr, steps):
            return {"path": np.zeros((steps + 1, 2))}


        register(Scenario("ch04-gradient-descent", gradient_descent_path,
                          "MyPortFrames.gradient_descent_path",
                          kwargs={"seed": 0, "lr": 0.1, "steps": 0},
                          julia_files=(str(Path(__file__).with_name("my_port.jl")),)))
        """,
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["parity", "--load", "my_port.py"]) == 1
    out = capsys.readouterr().out
    assert block.group(1) in out, out


def test_python_frames_leave_out_pyref_and_libraries(tmp_path: Path, monkeypatch) -> None:
    mine = write(
        tmp_path / "mine.py",
        """
        from pyref.optimizers import make_optimizer


        def build():
            return make_optimizer("nope")
        """,
    )
    namespace: dict = {}
    exec(compile(mine.read_text(), str(mine), "exec"), namespace)
    with pytest.raises(ValueError) as caught:
        namespace["build"]()
    frames = python_frames(caught.value.__traceback__)  # then this test's own frame
    assert frames[0] == f"build at {mine}:5" and not any("pyref/" in f for f in frames)
    every = python_frames(caught.value.__traceback__, exclude_dirs=[])
    assert every[0].startswith("check_choice at ") and f"build at {mine}:5" in every
    monkeypatch.chdir(tmp_path)
    assert shown_frame(f"f at {tmp_path / 'sub' / 'x.jl'}:3") == "f at sub/x.jl:3"
    assert shown_frame("f at /elsewhere/x.jl:3") == "f at /elsewhere/x.jl:3"


# -- 4: step axes; sign, NaN and infinity in words -------------------------------------


def test_step_axis_is_validated() -> None:
    for bad, kind in ((True, TypeError), (-1, ValueError), ("0", TypeError), (1.0, TypeError)):
        with pytest.raises(kind, match="scenario s: step_axis"):
            Scenario("s", dict, "Main.f", step_axis=bad)
    with pytest.raises(ValueError, match=r"step_axis\['W'\] must be >= 0"):
        Scenario("s", dict, "Main.f", step_axis={"W": -2})
    sc = Scenario("s", dict, "Main.f", step_axis={"trail": 1, "W": 0})
    assert (sc.step_axis_of("trail/b"), sc.step_axis_of("x/W"), sc.step_axis_of("v")) == (
        1,
        0,
        None,
    )
    assert Scenario("s", dict, "Main.f", step_axis=0).step_axis_of("anything") == 0


def test_a_step_axis_splits_the_first_difference() -> None:
    a = np.zeros((4, 2, 3))
    b = a.copy()
    b[1, 0, 2] = np.nextafter(0.0, 1.0) * 3
    b[2, 1, 1] = 5e-324
    plain = compare_output("s", "W", EXACT, a, b)
    assert "first differs at index (1, 0, 2):" in plain.message()
    stepped = compare_output("s", "W", EXACT, a, b, step_axis=0)
    assert "first differs at step 1, index (0, 2):" in stepped.message()
    assert stepped.to_dict()["first_diff"] == [1, 0, 2]
    assert stepped.to_dict()["first_diff_step"] == 1
    axis1 = compare_output("s", "W", EXACT, a, b, step_axis=1)
    assert "first differs at step 0, index (1, 2):" in axis1.message()
    # A vector of one number per step; an axis the output does not have is ignored.
    assert (
        "first differs at step 2:"
        in (
            compare_output("s", "loss", EXACT, np.zeros(3), np.array([0, 0, 1.0]), step_axis=0)
        ).message()
    )
    scalar = compare_output("s", "x", EXACT, 1.0, 2.0, step_axis=0).message()
    assert scalar == compare_output("s", "x", EXACT, 1.0, 2.0).message()


def test_the_optimizer_scenarios_declare_their_steps() -> None:
    for sc in parity.select(["optimizer-*"]):
        if sc.python.__name__ == "optimizer_steps":
            assert sc.step_axis == 0


def test_differences_ulps_do_not_measure_are_named() -> None:
    cases = {
        (1.0, math.nan): "(NaN on the Julia side only)",
        (math.nan, 1.0): "(NaN on the Python side only)",
        (math.inf, 1.0): "(infinite on the Python side only)",
        (math.inf, -math.inf): "(infinities of opposite sign)",
        (1e-17, -3e-18): "(sign differs)",
        (0.0, -0.0): "(the sign of zero differs)",
        (0.0, 1e-17): "(zero on one side)",
        (1.0, 1.0 + 2**-52): "(1 ULPs)",
        (1.0, 1.5): "(differ by 0.33 of the value)",
    }
    for (py, jl), words in cases.items():
        text = describe_values(py, jl)
        assert text.endswith(words), text
        assert ("ULPs" in text) == (words == "(1 ULPs)")
    assert describe_values(1.0, math.nan).startswith("python=1.0 julia=NaN")
    assert comparable_ulps(1e-17, -3e-18) is None and comparable_ulps(1.0, 1.0 + 2**-52) == 1


def test_verify_describes_differences_with_the_same_words() -> None:
    from pyref.verify.verdict import Difference

    for py, jl in ((1.0, math.nan), (-2.0, 2.0), (0.0, 1e-300), (1.0, 1.0 + 2**-52)):
        diff = Difference(0, "W", (0,), py, jl)
        assert diff.describe() == describe_values(py, jl)
        assert diff.ulps() == comparable_ulps(py, jl)


def test_sign_flips_are_counted_not_shown_as_ulps() -> None:
    noise = np.array([1e-17, -3e-18, 2.0, np.inf])
    other = np.array([-1e-17, 3e-18, np.nextafter(2.0, 3.0), np.inf])
    c = compare_output("s", "db", EXACT, noise, other)
    assert c.special == {"sign": 2} and c.ulps_cell() == "sign"
    assert c.max_ulps > 1e18  # the JSON keeps the count itself
    message = c.message()
    assert "sign differs at 2 of 4 entries; max ULPs 1 elsewhere" in message
    assert not re.search(r"\d{6,}|e\+1\d", message), message
    table = parity.format_table([parity.ScenarioResult(Scenario("s", dict, "Main.f"), [c])])
    assert table.splitlines()[2].split()[-2:] == ["sign", "FAIL"]
    ints = compare_output("s", "idx", EXACT, np.arange(3), np.array([0, 1, 7]))
    assert ints.ulps_cell() == "-" and "python=2 julia=7" in ints.message()
    assert "ULPs" not in ints.message()
    assert set(SPECIAL_KINDS) == {"nan", "inf", "inf_sign", "sign", "zero_sign", "zero"}


def test_a_drifted_port_is_located_by_step(
    julia_session, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The worked example with its Momentum's velocity changed in the last bit from
    the fourth update on: the report names the step."""
    jl = EXAMPLE.with_suffix(".jl").read_text(encoding="utf-8")
    right = "        v .= opt.momentum .* v .- opt.lr .* grads[key]\n"
    head = "function update!(opt::Momentum, params::Dict, grads::Dict)\n"
    assert right in jl and head in jl
    drifted = jl.replace(head, "const STEP = Ref(0)\n" + head + "    STEP[] += 1\n")
    drifted = drifted.replace(
        right, right + '        key == "W" && STEP[] == 4 && (v[1] = nextfloat(v[1]))\n'
    )
    write(tmp_path / "drifted.jl", drifted.replace("module MyScenarios", "module Drifted"))
    py = EXAMPLE.read_text(encoding="utf-8").replace('"my_scenarios.jl"', '"drifted.jl"')
    write(tmp_path / "drifted.py", py.replace('"MyScenarios.', '"Drifted.'))
    argv = ["parity", "--load", str(tmp_path / "drifted.py"), "--scenario", "my-momentum"]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    # The fourth update is step 3 (numpy's index); W[0, 0] is Julia's v[1].
    assert "my-momentum/W [exact]: first differs at step 3, index (0, 0): python=" in out, out
    assert "ULPs)" in out and "my-momentum/b" not in out


# -- 6: the helpers are public and documented; every command on the page runs ---------


def helper_names() -> list[str]:
    """Every dotted name in the first column of the page's helper table."""
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("## Writing your own scenarios") :]
    names = []
    for row in re.findall(r"^\| (`.*?) \|", section, flags=re.M):
        cells = re.findall(r"`([\w.]+)`", row)
        module = cells[0].rsplit(".", 1)[0]
        names += [c if "." in c else f"{module}.{c}" for c in cells]
    return names


def test_the_documented_helpers_exist_and_have_docstrings() -> None:
    import importlib

    names = helper_names()
    assert "pyref.optimizers.make_optimizer" in names
    assert "pyref.parity.scenarios.optimizer_steps" in names
    assert "pyref.parity.scenarios.mnist_batch" in names
    for name in names:
        if name.startswith("PyRef."):
            continue  # Julia's, checked below
        module, attr = name.rsplit(".", 1)
        obj = getattr(importlib.import_module(module), attr)
        if callable(obj) and not isinstance(obj, parity.Tier):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    for field in ("step_axis", "julia_files", "inputs", "tiers"):
        assert f"`{field}`" in PAGE.read_text(encoding="utf-8")


def test_the_documented_julia_helpers_exist(julia_session) -> None:
    for name in [n for n in helper_names() if n.startswith("PyRef.")] + [
        "PyRef.Scenarios.optimizer_steps",
        "PyRef.make_optimizer",
    ]:
        assert julia_session.eval(f"isdefined({name.rsplit('.', 1)[0]}, :{name.rsplit('.', 1)[1]})")


def page_commands() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #")[0].strip()
            if line.startswith("pyref parity"):
                found.append(line)
    return found


#: The commands that run the whole suite, or most of it (minutes to hours): here
#: they run with --list added, which resolves the same selection; every scenario they
#: run is run by tests/parity/test_scenarios.py, in both BLAS modes.
SUITE_COMMANDS = {
    "pyref parity": {"full": False},
    "pyref parity --all": {"full": False},
    "pyref parity --quick": {"full": False, "quick": True},
    "pyref parity --blas native": {"full": False},
    "pyref parity --full": {"full": True},
}


def run_command(line: str, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    code = cli.main(shlex.split(line)[1:])
    return code, capsys.readouterr().out


def check_command(line: str, tmp_path: Path, capsys, monkeypatch) -> None:
    """Run one of the page's commands as a reader would and check what it prints."""
    if line in SUITE_COMMANDS:
        code, out = run_command(line + " --list", capsys)
        assert code == 0
        expected = [sc.name for sc in parity.select(**SUITE_COMMANDS[line])]
        assert listed(out) == expected
        return
    if line == "pyref parity --list":
        code, out = run_command(line, capsys)
        assert code == 0 and listed(out) == [sc.name for sc in parity.select()]
        assert out.split()[:4] == ["scenario", "section", "runs", "description"]
        return
    if line.startswith("pyref parity --scenario layer-batchnorm trainer-sgd --json"):
        monkeypatch.chdir(tmp_path)
        code, out = run_command(line, capsys)
        assert code == 0 and "2/2 scenarios passed" in out
        report = json.loads((tmp_path / "parity.json").read_text())
        assert report["passed"] and [r["scenario"] for r in report["results"]] == [
            "layer-batchnorm",
            "trainer-sgd",
        ]
        assert [p.name for p in (tmp_path / "parity-plots").iterdir()] == ["trainer-sgd.png"]
        return
    if line == "pyref parity --scenario 'optimizer-*' layer-affine":
        code, out = run_command(line, capsys)
        chosen = [sc.name for sc in parity.select(["optimizer-*"])] + ["layer-affine"]
        assert code == 0 and f"{len(chosen)}/{len(chosen)} scenarios passed" in out, out
        rows = [ln.split()[0] for ln in out.splitlines() if ln.endswith("pass")]
        assert list(dict.fromkeys(rows)) == chosen
        return
    if line == "pyref parity --load my_port.py --scenario ch04-gradient-descent":
        text = PAGE.read_text(encoding="utf-8")
        for name, body in re.findall(r"<!-- recipe: (\S+) -->\s*```\w*\n(.*?)```", text, re.S):
            (tmp_path / name).write_text(body, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        code, out = run_command(line, capsys)
        assert code == 0 and "1/1 scenarios passed" in out
        assert re.search(r"ch04-gradient-descent\s+path\s+exact\s+0\s+0\s+0\s+pass", out)
        return
    monkeypatch.chdir(REPO)
    if line == "pyref parity --load examples/parity/my_scenarios.py":
        code, out = run_command(line, capsys)
        assert code == 0 and "2/2 scenarios passed (4 outputs compared)" in out, out
        assert re.search(r"^my-momentum\s+-\s+2\s+exact\s+0\s+pass$", out, flags=re.M)
        assert re.search(r"^my-bright-pixels\s+-\s+2\s+exact\s+0\s+pass$", out, flags=re.M)
        return
    if line == "pyref parity --load examples/parity/my_scenarios.py --list":
        code, out = run_command(line, capsys)
        assert code == 0 and listed(out) == ["my-momentum", "my-bright-pixels"]
        return
    if line == (
        "pyref parity --load examples/parity/my_scenarios.py --with-builtin "
        "--scenario 'my-*' optimizer-momentum"
    ):
        code, out = run_command(line, capsys)
        assert code == 0 and "3/3 scenarios passed" in out, out
        rows = [ln.split()[0] for ln in out.splitlines() if ln.endswith("pass")]
        assert list(dict.fromkeys(rows)) == [
            "my-momentum",
            "my-bright-pixels",
            "optimizer-momentum",
        ]
        return
    pytest.fail(f"docs/parity.md shows `{line}`, which no check here runs: add one")


@pytest.mark.parametrize("line", page_commands())
def test_every_command_on_the_page_runs(
    line: str, julia_session, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    check_command(line, tmp_path, capsys, monkeypatch)


def test_the_page_shows_the_commands_checked_here() -> None:
    lines = page_commands()
    assert "pyref parity --load examples/parity/my_scenarios.py" in lines
    assert any("'optimizer-*'" in line for line in lines)
    assert len(lines) == len(set(lines)) >= 11
