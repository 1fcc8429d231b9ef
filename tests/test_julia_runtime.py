"""Tests of pyref.runtime.locate and pyref.runtime.install: finding, installing and
launching Julia.

The parsing and configuration helpers are tested on text and folders the tests
write; the rest runs real programs (sh, apt-config, julia, the pyref CLI).
Tests that need Julia use the ``julia_exe`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyref.parity import runner
from pyref.runtime import install, locate

REPO = Path(__file__).resolve().parents[1]


def pyref_cli() -> list[str]:
    """argv prefix running the `pyref` console script (or the module if not installed)."""
    script = Path(sys.executable).parent / "pyref"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pyref.cli"]


def clean_env(**overrides: str) -> dict[str, str]:
    """os.environ without pyref's Julia variables, plus `overrides`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (locate.ENV_JULIA, locate.ENV_PROJECT, install.ENV_MIRROR)
    }
    env.update(overrides)
    return env


@pytest.fixture
def no_julia_vars(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Unset pyref's Julia variables for the test, so the host's settings don't leak in."""
    for name in (locate.ENV_JULIA, locate.ENV_PROJECT, install.ENV_MIRROR):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def fake_checkout(tmp_path: Path) -> Path:
    """A writable 'checkout' (pyproject.toml + julia/) whose runtime lands in tmp_path."""
    root = tmp_path / "checkout"
    (root / "julia" / "test").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return root


# --------------------------------------------------------------------------
# apt sources -> Debian mirror
# --------------------------------------------------------------------------

DEB822 = """\
# A comment before the first stanza
Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD9K7UgrF6nZIVV
 -----END PGP PUBLIC KEY BLOCK-----
"""


def test_parse_deb822_stanzas_and_fields() -> None:
    sources = install.parse_deb822_sources(DEB822)
    assert len(sources) == 2
    archive, security = sources
    assert archive.types == ("deb",)
    assert archive.uris == ("http://mirror.example/debian",)
    assert archive.suites == ("bookworm", "bookworm-updates")
    assert archive.components == ("main", "contrib")
    assert archive.signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert archive.enabled
    assert security.signed_by is None  # an embedded key is not a keyring path
    assert install.debian_mirror_uri(sources) == "http://mirror.example/debian"


def test_deb822_disabled_stanza_and_third_party_are_skipped() -> None:
    text = """\
Types: deb
URIs: http://old.example/debian
Suites: bullseye
Components: main
Enabled: no

Types: deb
URIs: https://vendor.example/node_20.x
Suites: nodistro
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb deb-src
URIs: http://good.example/debian/
Suites: trixie
Components: main
"""
    assert install.debian_mirror_uri(install.parse_deb822_sources(text)) == (
        "http://good.example/debian"
    )


def test_parse_one_line_sources() -> None:
    vendor = "[arch=amd64 signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt"
    text = f"""\
# deb http://commented.example/debian bookworm main
deb {vendor} cloud-sdk-bookworm main
deb http://mirror.example/debian-security bookworm-security main
deb-src http://mirror.example/debian bookworm main
deb [ trusted=yes ] http://mirror.example/debian/ bookworm main contrib # trailing comment
deb https://download.example/linux/debian bookworm stable
"""
    sources = install.parse_one_line_sources(text)
    assert [s.uris[0] for s in sources] == [
        "https://vendor.example/apt",
        "http://mirror.example/debian-security",
        "http://mirror.example/debian",
        "http://mirror.example/debian/",
        "https://download.example/linux/debian",
    ]
    assert sources[0].signed_by == "/usr/share/keyrings/vendor.gpg"
    assert sources[0].suites == ("cloud-sdk-bookworm",)
    assert sources[3].components == ("main", "contrib")
    assert install.debian_mirror_uri(sources) == "http://mirror.example/debian"


def test_archive_root_preferred_over_other_release_named_repos() -> None:
    text = """\
deb https://vendor.example/debian/12/prod bookworm main
deb http://mirror.example/debian bookworm main
"""
    assert install.debian_mirror_uri(install.parse_one_line_sources(text)) == (
        "http://mirror.example/debian"
    )


def test_ubuntu_sources_have_no_debian_mirror() -> None:
    text = """\
deb http://archive.example/ubuntu jammy main restricted
deb http://archive.example/ubuntu jammy-updates main restricted
deb http://security.example/ubuntu jammy-security main
"""
    assert install.debian_mirror_uri(install.parse_one_line_sources(text)) is None


def test_host_apt_sources_reads_list_and_sources_files_in_order(tmp_path: Path) -> None:
    etc = tmp_path / "etc-apt"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list").write_text("deb http://first.example/ubuntu jammy main\n")
    (etc / "sources.list.d" / "b.sources").write_text(
        "Types: deb\nURIs: http://b.example/debian\nSuites: bookworm\nComponents: main\n"
    )
    (etc / "sources.list.d" / "a.list").write_text("deb http://a.example/debian bullseye main\n")
    (etc / "sources.list.d" / "c.list.disabled").write_text(
        "deb http://disabled.example/debian bookworm main\n"
    )
    uris = [s.uris[0] for s in install.host_apt_sources(etc)]
    assert uris == [
        "http://first.example/ubuntu",
        "http://a.example/debian",
        "http://b.example/debian",
    ]
    assert install.debian_mirror_uri(install.host_apt_sources(etc)) == "http://a.example/debian"


def test_missing_etc_apt_gives_no_sources(tmp_path: Path) -> None:
    assert install.host_apt_sources(tmp_path / "nowhere") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ID=debian\nVERSION_CODENAME=bookworm\n", True),
        ("ID=ubuntu\nID_LIKE=debian\n", True),
        ('ID="linuxmint"\nID_LIKE="ubuntu debian"\n', True),
        ('ID="fedora"\n', False),
        ("ID=arch\n", False),
        ("", False),
    ],
)
def test_is_debian_like(text: str, expected: bool) -> None:
    assert install.is_debian_like(text) is expected


# --------------------------------------------------------------------------
# Private apt configuration and launcher
# --------------------------------------------------------------------------


def test_sources_line_names_bullseye_main() -> None:
    line = install.apt_sources_line("http://m.example/debian", signed_by="/k.gpg")
    assert line == "deb [targets=Packages signed-by=/k.gpg] http://m.example/debian bullseye main\n"
    assert install.parse_one_line_sources(line)[0].suites == ("bullseye",)


def test_package_list_is_one_constant() -> None:
    assert isinstance(install.JULIA_DEB_PACKAGES, tuple)
    assert {"julia", "libjulia1", "julia-common", "libllvm9"} <= set(install.JULIA_DEB_PACKAGES)
    assert len(set(install.JULIA_DEB_PACKAGES)) == len(install.JULIA_DEB_PACKAGES)


@pytest.mark.skipif(shutil.which("apt-config") is None, reason="apt-config not installed")
def test_private_apt_config_is_what_apt_sees(tmp_path: Path) -> None:
    apt_dir = tmp_path / "apt"
    conf = install.private_apt_config(apt_dir, "http://m.example/debian", "amd64", None)
    assert (apt_dir / "state" / "status").read_text() == ""
    assert (apt_dir / "state" / "lists" / "partial").is_dir()
    env = dict(os.environ, APT_CONFIG=str(conf))
    dump = subprocess.run(
        ["apt-config", "dump"], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    lines = dump.splitlines()
    assert f'Dir::State::status "{apt_dir / "state" / "status"}";' in lines
    assert f'Dir::State::lists "{apt_dir / "state" / "lists"}";' in lines
    assert f'Dir::Etc::sourcelist "{apt_dir / "sources.list"}";' in lines
    assert f'Dir::Etc::sourceparts "{apt_dir / "empty"}";' in lines
    assert 'APT::Sandbox::User "root";' in lines
    assert 'APT::Architectures:: "amd64";' in lines
    # The host's update hooks (PackageKit, AppStream, ...) are cleared.
    assert not [ln for ln in lines if ln.startswith("APT::Update::Post-Invoke-Success::")]


def test_launcher_finds_root_relative_to_itself(tmp_path: Path) -> None:
    """The launcher works after its folder is moved and when called through a symlink."""
    staging = tmp_path / "staging"
    fake_julia = staging / "root" / "usr" / "bin" / "julia"
    fake_julia.parent.mkdir(parents=True)
    fake_julia.write_text('#!/bin/sh\necho "$LD_LIBRARY_PATH"\necho "$@"\n')
    fake_julia.chmod(0o755)
    launcher = staging / "bin" / "julia"
    launcher.parent.mkdir()
    launcher.write_text(install.launcher_script("x86_64-linux-gnu"))
    launcher.chmod(0o755)
    subprocess.run(["sh", "-n", str(launcher)], check=True, timeout=30)

    final = tmp_path / "final"
    staging.rename(final)
    link = tmp_path / "elsewhere" / "julia"
    link.parent.mkdir()
    link.symlink_to(final / "bin" / "julia")
    out = subprocess.run(
        [str(link), "-e", "1 + 1"],
        env=dict(os.environ, LD_LIBRARY_PATH="/pre/existing"),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.splitlines()
    lib = str(final.resolve() / "root" / "usr" / "lib" / "x86_64-linux-gnu")
    assert out[0] == f"{lib}:{lib}/julia:/pre/existing"
    assert out[1] == "-e 1 + 1"


def test_launcher_names_the_blas_kernels_the_cpu_can_run(tmp_path: Path) -> None:
    """Debian's OpenBLAS 0.3.9 falls back to its slowest kernels on newer CPUs."""
    fake_julia = tmp_path / "root" / "usr" / "bin" / "julia"
    fake_julia.parent.mkdir(parents=True)
    fake_julia.write_text('#!/bin/sh\necho "${OPENBLAS_CORETYPE:-unset}"\n')
    fake_julia.chmod(0o755)
    launcher = tmp_path / "bin" / "julia"
    launcher.parent.mkdir()
    launcher.write_text(install.launcher_script("x86_64-linux-gnu"))
    launcher.chmod(0o755)
    cpuinfo = tmp_path / "cpuinfo"

    def coretype(flags: str, **env: str) -> str:
        cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nflags\t\t: avx512f\n")
        full = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        full.update(PYREF_CPUINFO=str(cpuinfo), **env)
        out = subprocess.run([str(launcher)], env=full, capture_output=True, text=True, timeout=30)
        return out.stdout.strip()

    avx512 = "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl xsave"
    assert coretype(avx512) == "SkylakeX"
    assert coretype("fpu sse2 avx avx2 fma avx512f") == "Haswell"  # not the whole AVX-512 set
    assert coretype("fpu sse2 avx fma") == "unset"
    assert coretype(avx512, OPENBLAS_CORETYPE="Zen") == "Zen"  # the user's choice wins
    assert "OPENBLAS_CORETYPE" not in install.launcher_script("aarch64-linux-gnu")


def test_install_refreshes_an_old_launcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, julia_exe: Path
) -> None:
    """An install from an older pyref gets today's launcher; the unpacked Julia stays."""
    old = tmp_path / "bin" / "julia"
    old.parent.mkdir()
    real = f'exec "{julia_exe}" "$@"\n'
    old.write_text('#!/bin/sh\nlib="$root/usr/lib/x86_64-linux-gnu"\n' + real)
    old.chmod(0o755)
    monkeypatch.setattr(locate, "launcher_path", lambda: old)  # which() and install() see it
    monkeypatch.setattr(
        install, "launcher_script", lambda triplet: f"#!/bin/sh\n# {triplet}\n{real}"
    )
    monkeypatch.delenv("PYREF_JULIA", raising=False)
    assert install.install() == old
    assert old.read_text() == f"#!/bin/sh\n# x86_64-linux-gnu\n{real}"
    assert os.access(old, os.X_OK)


def test_launcher_rejects_odd_triplet() -> None:
    with pytest.raises(ValueError):
        install.launcher_script('x86_64"; rm -rf /')


# --------------------------------------------------------------------------
# Locations, environment, resolution errors
# --------------------------------------------------------------------------


def test_default_project_dir_is_repo_julia(no_julia_vars: pytest.MonkeyPatch) -> None:
    if Path(locate.__file__).resolve().parents[2] != REPO:
        pytest.skip("pyref is not imported from this checkout (not an editable install)")
    assert locate.julia_project_dir() == REPO / "julia"
    assert locate.runtime_dir() == REPO / ".julia-runtime"
    assert locate.launcher_path() == REPO / ".julia-runtime" / "bin" / "julia"


def test_project_override_and_runtime_location(
    tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    root = fake_checkout(tmp_path)
    no_julia_vars.setenv(locate.ENV_PROJECT, str(root / "julia"))
    assert locate.julia_project_dir() == root / "julia"
    assert locate.runtime_dir() == root / ".julia-runtime"

    # Not a checkout: the runtime goes to the user cache.
    bare = tmp_path / "bare" / "julia"
    bare.mkdir(parents=True)
    no_julia_vars.setenv(locate.ENV_PROJECT, str(bare))
    no_julia_vars.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert locate.runtime_dir() == tmp_path / "cache" / "pyref" / "julia-runtime"


def test_julia_env_private_depot_unless_user_set_one(
    tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    no_julia_vars.delenv("JULIA_DEPOT_PATH", raising=False)
    assert locate.julia_env()["JULIA_DEPOT_PATH"] == str(locate.runtime_dir() / "depot")
    no_julia_vars.setenv("JULIA_DEPOT_PATH", str(tmp_path / "mine"))
    assert locate.julia_env()["JULIA_DEPOT_PATH"] == str(tmp_path / "mine")


def test_missing_pyref_julia_is_a_clear_error(
    tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-julia"
    no_julia_vars.setenv(locate.ENV_JULIA, str(missing))
    with pytest.raises(locate.JuliaNotFoundError, match="PYREF_JULIA") as info:
        locate.which()
    assert str(missing) in str(info.value)
    assert "pyref julia install" in str(info.value)
    assert isinstance(info.value, RuntimeError)
    # install() does not paper over an explicit choice that does not exist.
    with pytest.raises(locate.JuliaNotFoundError, match="PYREF_JULIA"):
        install.install()
    with pytest.raises(locate.JuliaNotFoundError, match="PYREF_JULIA"):
        runner.run_julia_tests([])


def test_cli_which_with_missing_pyref_julia(tmp_path: Path) -> None:
    env = clean_env(PYREF_JULIA=str(tmp_path / "no-such-julia"))
    proc = subprocess.run(
        [*pyref_cli(), "julia", "which"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "PYREF_JULIA" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_no_julia_anywhere_says_how_to_get_one(
    tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    root = fake_checkout(tmp_path)
    no_julia_vars.setenv(locate.ENV_PROJECT, str(root / "julia"))
    no_julia_vars.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(locate.JuliaNotFoundError) as info:
        locate.which()
    message = str(info.value)
    for hint in ("pyref julia install", "PYREF_JULIA", "juliacall"):
        assert hint in message
    assert "\n" not in message


# --------------------------------------------------------------------------
# With a real Julia
# --------------------------------------------------------------------------


def wrapper_launcher(path: Path, julia: Path) -> Path:
    """A launcher at `path` that execs the real `julia` (stands in for an installed runtime)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{julia}" "$@"\n')
    path.chmod(0o755)
    return path


def test_which_prefers_pyref_julia_then_runtime(
    julia_exe: Path, tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    root = fake_checkout(tmp_path)
    no_julia_vars.setenv(locate.ENV_PROJECT, str(root / "julia"))
    launcher = wrapper_launcher(root / ".julia-runtime" / "bin" / "julia", julia_exe)
    assert locate.which() == launcher
    assert locate.julia_command("-e", "1") == [
        str(launcher),
        f"--project={root / 'julia'}",
        "--startup-file=no",
        "-e",
        "1",
    ]
    no_julia_vars.setenv(locate.ENV_JULIA, str(julia_exe))
    assert locate.which() == julia_exe


def test_install_returns_working_runtime_without_reinstalling(
    julia_exe: Path, tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    root = fake_checkout(tmp_path)
    no_julia_vars.setenv(locate.ENV_PROJECT, str(root / "julia"))
    launcher = wrapper_launcher(root / ".julia-runtime" / "bin" / "julia", julia_exe)
    started = time.monotonic()
    assert install.install() == launcher
    assert time.monotonic() - started < 120
    assert not (root / ".julia-runtime" / "root").exists()  # nothing was downloaded


def test_cli_which_prints_resolved_julia(julia_exe: Path) -> None:
    proc = subprocess.run(
        [*pyref_cli(), "julia", "which"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    printed = Path(proc.stdout.strip())
    assert printed.is_file()
    if (REPO / ".julia-runtime" / "bin" / "julia").is_file():
        assert printed == REPO / ".julia-runtime" / "bin" / "julia"


def test_cli_install_is_idempotent(julia_exe: Path) -> None:
    env = clean_env()
    first = subprocess.run(
        [*pyref_cli(), "julia", "install"], env=env, capture_output=True, text=True, timeout=1800
    )
    assert first.returncode == 0, first.stderr
    started = time.monotonic()
    second = subprocess.run(
        [*pyref_cli(), "julia", "install"], env=env, capture_output=True, text=True, timeout=300
    )
    elapsed = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert Path(second.stdout.strip()).is_file()
    assert elapsed < 60, f"second install took {elapsed:.1f} s"
    assert "downloading" not in second.stderr


def test_run_tests_runs_runtests_jl_with_args_env_and_exit_code(
    julia_exe: Path, tmp_path: Path, no_julia_vars: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "proj"
    (project / "test").mkdir(parents=True)
    report = tmp_path / "report.txt"
    (project / "test" / "runtests.jl").write_text(
        f"""
open({json.dumps(str(report))}, "w") do io
    println(io, join(ARGS, "|"))
    println(io, Base.active_project())
    println(io, get(ENV, "PYREF_VECTORS_DIR", ""))
    println(io, DEPOT_PATH[1])
end
exit(3)
"""
    )
    no_julia_vars.setenv(locate.ENV_PROJECT, str(project))
    no_julia_vars.setenv(locate.ENV_JULIA, str(julia_exe))
    no_julia_vars.setenv("JULIA_DEPOT_PATH", str(tmp_path / "depot"))
    no_julia_vars.delenv(locate.ENV_VECTORS_DIR, raising=False)

    assert runner.run_julia_tests(["a", "b c"]) == 3
    args, active, vectors_dir, depot = report.read_text().splitlines()
    assert args == "a|b c"
    assert Path(active).parent == project
    assert depot == str(tmp_path / "depot")
    assert vectors_dir and not Path(vectors_dir).exists()  # temporary, removed afterwards
