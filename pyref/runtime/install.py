"""Install a Julia for PyRef without any Julia download site: ``pyref julia install``.

On a Debian or Ubuntu host it uses apt with a *private* configuration (its own
sources list, package lists, cache and an empty dpkg status) to fetch Debian
bullseye's Julia 1.5 packages from the Debian mirror the host already uses, unpacks
them with ``dpkg -x`` (no root, nothing installed system-wide) and writes a small
launcher script that points the dynamic linker at the unpacked libraries.

Layout of the runtime folder (:func:`pyref.runtime.locate.runtime_dir`)::

    bin/julia        launcher; its presence marks a complete install
    root/            the unpacked Debian packages (usr/bin/julia, usr/lib/...)
    depot/           JULIA_DEPOT_PATH for pyref's Julia processes
    installed.txt    what was installed, from where
    .install.lock    serialises concurrent installs

``PYREF_DEBIAN_MIRROR`` names the Debian archive URI to install from, overriding
the one read from the host's apt sources. Finding and launching the installed
Julia is :mod:`pyref.runtime.locate`'s work, which knows nothing of this module.

Longer than 500 lines because an install is one sequence (the host's apt sources, a
private apt configuration, fetch, unpack, launcher, lock) run by one command.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyref.fileio import write_text
from pyref.runtime import locate
from pyref.runtime.locate import (
    ENV_JULIA,
    HOW_TO_GET_JULIA,
    TIMEOUTS,
    JuliaNotFoundError,
    is_executable_file,
    one_line,
    run_tool,
    verify,
)

#: Debian bullseye packages that together make a working Julia 1.5 with
#: LinearAlgebra, checked by hand on a clean Debian bookworm host. Everything
#: else Julia links against (libc, libstdc++, libgcc, zlib, ...) the host has.
JULIA_DEB_PACKAGES: tuple[str, ...] = (
    "julia",
    "libjulia1",
    "julia-common",
    "libllvm9",
    "libgit2-1.1",
    "libmbedtls12",
    "libmbedcrypto3",
    "libmbedx509-0",
    "libdsfmt-19937-1",
    "libopenlibm3",
    "libutf8proc2",
    "libffi7",
    "libgfortran5",
    "libcurl3-gnutls",
    "libgmp10",
    "libmpfr6",
    "libpcre2-8-0",
    "libssh2-1",
    "libunwind8",
    "libquadmath0",
    "libhttp-parser2.9",
)

#: The Debian release whose Julia packages are installed (Julia 1.5.3).
DEBIAN_SUITE = "bullseye"

#: Suite names of the Debian archive proper. A host apt source naming one of these
#: (bare, without ``-security``/``-updates`` suffixes) is a Debian archive mirror.
DEBIAN_RELEASE_NAMES = frozenset(
    (
        "buzz rex bo hamm slink potato woody sarge etch lenny squeeze wheezy jessie stretch "
        "buster bullseye bookworm trixie forky duke sid "
        "oldoldstable oldstable stable testing unstable"
    ).split()
)

#: Debian archive URI to install from, overriding the one in the host's apt sources.
ENV_MIRROR = "PYREF_DEBIAN_MIRROR"

_DEFAULT_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

_MULTIARCH = {
    "amd64": "x86_64-linux-gnu",
    "arm64": "aarch64-linux-gnu",
    "armhf": "arm-linux-gnueabihf",
    "armel": "arm-linux-gnueabi",
    "i386": "i386-linux-gnu",
    "ppc64el": "powerpc64le-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "mips64el": "mips64el-linux-gnuabi64",
}


def _step(message: str) -> None:
    """One progress line on stderr (stdout carries only results, e.g. a path)."""
    print(f"pyref julia: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Host apt sources -> Debian mirror (pure functions, tested on written text)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AptSource:
    """One apt source entry, from a one-line ``.list`` line or a deb822 stanza."""

    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None
    enabled: bool = True


def parse_one_line_sources(text: str) -> list[AptSource]:
    """Parse the one-line format (``deb [opts] uri suite components...``) of sources.list."""
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        if kind not in ("deb", "deb-src"):
            continue
        rest = rest.strip()
        options: dict[str, str] = {}
        if rest.startswith("["):
            inside, sep, rest = rest[1:].partition("]")
            if not sep:
                continue  # malformed: unterminated options
            for option in inside.split():
                key, _, value = option.partition("=")
                options[key.rstrip("+-").lower()] = value
        fields = rest.split()
        if len(fields) < 2:
            continue
        signed_by = options.get("signed-by") or None
        sources.append(
            AptSource(
                types=(kind,),
                uris=(fields[0],),
                suites=(fields[1],),
                components=tuple(fields[2:]),
                signed_by=signed_by if signed_by and signed_by.startswith("/") else None,
            )
        )
    return sources


def _deb822_stanzas(text: str) -> Iterator[dict[str, str]]:
    """Stanzas of a deb822 file as {lower-case field: value}; comments dropped."""
    fields: dict[str, str] = {}
    current: str | None = None
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if fields:
                yield fields
            fields, current = {}, None
            continue
        if raw[0] in " \t":
            if current is not None:
                fields[current] += "\n" + raw.strip()
            continue
        name, sep, value = raw.partition(":")
        if not sep:
            continue
        current = name.strip().lower()
        fields[current] = value.strip()
    if fields:
        yield fields


def parse_deb822_sources(text: str) -> list[AptSource]:
    """Parse the deb822 format (``*.sources``: Types/URIs/Suites/Components stanzas)."""
    sources = []
    for fields in _deb822_stanzas(text):
        signed_by = fields.get("signed-by", "").strip()
        single_path = signed_by.startswith("/") and len(signed_by.split()) == 1
        sources.append(
            AptSource(
                types=tuple(fields.get("types", "").split()),
                uris=tuple(fields.get("uris", "").split()),
                suites=tuple(fields.get("suites", "").split()),
                components=tuple(fields.get("components", "").split()),
                signed_by=signed_by if single_path else None,
                enabled=fields.get("enabled", "yes").strip().lower() not in ("no", "false", "0"),
            )
        )
    return sources


def host_apt_sources(etc_apt: Path = Path("/etc/apt")) -> list[AptSource]:
    """All apt sources of a host, in apt's reading order.

    Reads ``sources.list``, then ``sources.list.d/*.list`` and ``*.sources`` sorted
    by name; other files there (e.g. ``*.disabled``) are ignored, as apt does.
    """
    files = [etc_apt / "sources.list"]
    parts = etc_apt / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    sources: list[AptSource] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if path.suffix == ".sources":
            sources += parse_deb822_sources(text)
        else:
            sources += parse_one_line_sources(text)
    return sources


def _looks_like_archive_root(uri: str) -> bool:
    """Whether the URI's path ends in ``/debian``, the usual place of the archive."""
    return uri.rstrip("/").rsplit("/", 1)[-1] == "debian"


def pick_debian_source(sources: Iterable[AptSource]) -> tuple[str, AptSource] | None:
    """The host's Debian archive mirror: the first enabled binary source whose suites
    include a bare Debian release name and whose components include main.

    Security and updates suites (``bookworm-security``), third-party repositories
    (``cloud-sdk-bookworm``, ``nodistro``) and Ubuntu (``jammy``) do not qualify.
    Among qualifying URIs one ending in ``/debian`` is preferred.
    """
    candidates: list[tuple[str, AptSource]] = []
    for source in sources:
        if not source.enabled or "deb" not in source.types or "main" not in source.components:
            continue
        if not any(suite.lower() in DEBIAN_RELEASE_NAMES for suite in source.suites):
            continue
        for uri in source.uris:
            if "security" not in uri.lower():
                candidates.append((uri.rstrip("/"), source))
    for uri, source in candidates:
        if _looks_like_archive_root(uri):
            return uri, source
    return candidates[0] if candidates else None


def debian_mirror_uri(sources: Iterable[AptSource]) -> str | None:
    """URI of the host's Debian archive mirror among `sources`, or None."""
    picked = pick_debian_source(sources)
    return picked[0] if picked else None


def is_debian_like(os_release: str) -> bool:
    """Whether an /etc/os-release text describes Debian or a derivative (Ubuntu, ...)."""
    ids: set[str] = set()
    for line in os_release.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("ID", "ID_LIKE"):
            ids.update(value.strip().strip("\"'").lower().split())
    return bool(ids & {"debian", "ubuntu"})


# --------------------------------------------------------------------------
# Private apt configuration, launcher script
# --------------------------------------------------------------------------


def _apt_quote(value: str) -> str:
    if '"' in value or "\n" in value:
        raise JuliaNotFoundError(
            f"cannot write {value!r} into an apt configuration. " + HOW_TO_GET_JULIA
        )
    return f'"{value}"'


def apt_sources_line(mirror: str, suite: str = DEBIAN_SUITE, signed_by: str | None = None) -> str:
    """The one sources.list line of the private configuration (binary indexes only)."""
    options = ["targets=Packages"]
    if signed_by:
        options.append(f"signed-by={signed_by}")
    return f"deb [{' '.join(options)}] {mirror} {suite} main\n"


def private_apt_config(apt_dir: Path, mirror: str, arch: str, signed_by: str | None) -> Path:
    """Write a self-contained apt configuration under `apt_dir`; return its apt.conf.

    apt sees only our sources list, lists, cache and an empty dpkg status, so the
    host's sources and installed packages neither interfere nor get touched. The
    host's apt.conf.d is still read (proxies, auth, validity settings), then a
    second file (Dir::Etc::Main, read last) re-asserts our settings and clears
    the host's update hooks (e.g. PackageKit, AppStream refreshes).
    """
    state, cache, empty = apt_dir / "state", apt_dir / "cache", apt_dir / "empty"
    for folder in (state / "lists" / "partial", cache / "archives" / "partial", empty):
        folder.mkdir(parents=True, exist_ok=True)
    write_text(state / "status", "")
    write_text(apt_dir / "sources.list", apt_sources_line(mirror, DEBIAN_SUITE, signed_by))
    settings = {
        "Dir::State": state,
        "Dir::State::lists": state / "lists",
        "Dir::State::status": state / "status",
        "Dir::Etc::SourceList": apt_dir / "sources.list",
        "Dir::Etc::SourceParts": empty,
        "Dir::Etc::Preferences": empty / "preferences",
        "Dir::Etc::PreferencesParts": empty,
        "Dir::Cache": cache,
        "Dir::Cache::archives": cache / "archives",
        "Acquire::Languages": "none",
        "APT::Architecture": arch,
        "APT::Sandbox::User": "root",
    }
    body = "".join(f"{key} {_apt_quote(str(value))};\n" for key, value in settings.items())
    body += f"APT::Architectures {{ {_apt_quote(arch)}; }};\n"
    late = apt_dir / "late.conf"
    main = apt_dir / "apt.conf"
    header = "// Private apt configuration written by `pyref julia install`.\n"
    write_text(main, header + body + f"Dir::Etc::Main {_apt_quote(str(late))};\n")
    host_main = Path("/etc/apt/apt.conf")
    include = f"#include {_apt_quote(str(host_main))};\n" if host_main.is_file() else ""
    clears = "".join(
        f"#clear {key};\n"
        for key in (
            "APT::Update::Pre-Invoke",
            "APT::Update::Post-Invoke",
            "APT::Update::Post-Invoke-Success",
            "DPkg::Pre-Invoke",
            "DPkg::Post-Invoke",
            "APT::Architectures",
        )
    )
    write_text(late, header + include + clears + body)
    return main


#: Shell lines of the launcher that name the BLAS kernels this CPU can run. Debian's
#: OpenBLAS 0.3.9 (Julia 1.5's) does not recognise CPUs released after early 2020 and
#: falls back to its slowest kernels ("Prescott"), 2-3x slower here; an
#: OPENBLAS_CORETYPE set by the user wins.
_CORETYPE_LINES = (
    'if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r "${PYREF_CPUINFO:-/proc/cpuinfo}" ]; then\n'
    '  flags=" $(grep -m1 \'^flags\' "${PYREF_CPUINFO:-/proc/cpuinfo}" | cut -d: -f2) "\n'
    '  has() { case "$flags" in *" $1 "*) return 0 ;; esac; return 1; }\n'
    "  if has avx512f && has avx512cd && has avx512bw && has avx512dq && has avx512vl; then\n"
    "    export OPENBLAS_CORETYPE=SkylakeX\n"
    "  elif has avx2 && has fma; then\n"
    "    export OPENBLAS_CORETYPE=Haswell\n"
    "  fi\n"
    "fi\n"
)


def launcher_script(multiarch: str) -> str:
    """Text of ``bin/julia``: run ``../root/usr/bin/julia`` with its libraries found.

    It locates the unpacked root relative to itself (following symlinks), so the
    runtime folder can be built in a staging folder and renamed into place. On
    x86-64 it also tells Debian's OpenBLAS which kernels the CPU can run.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", multiarch):
        raise ValueError(f"odd multiarch triplet {multiarch!r}")
    coretype = _CORETYPE_LINES if multiarch.startswith("x86_64") else ""
    return (
        "#!/bin/sh\n"
        "# Written by `pyref julia install`: runs Debian's Julia unpacked in ../root\n"
        "# without installing anything system-wide.\n"
        'self=$(readlink -f -- "$0") || exit 127\n'
        'root=$(dirname -- "$(dirname -- "$self")")/root\n'
        f'lib="$root/usr/lib/{multiarch}"\n'
        'export LD_LIBRARY_PATH="$lib:$lib/julia${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\n'
        + coretype
        + 'exec "$root/usr/bin/julia" "$@"\n'
    )


def _dpkg_architecture() -> str:
    proc = run_tool(
        ["dpkg", "--print-architecture"],
        what="asking dpkg for the architecture",
        timeout=TIMEOUTS["query"],
    )
    return proc.stdout.strip()


def _multiarch(arch: str) -> str:
    """GNU multiarch triplet of `arch` (amd64 -> x86_64-linux-gnu)."""
    if shutil.which("dpkg-architecture"):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            proc = subprocess.run(
                ["dpkg-architecture", f"-a{arch}", "-qDEB_HOST_MULTIARCH"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=TIMEOUTS["query"],
            )
            if proc.returncode == 0 and proc.stdout.strip():
                return proc.stdout.strip()
    if arch in _MULTIARCH:
        return _MULTIARCH[arch]
    raise JuliaNotFoundError(
        f"unknown Debian architecture {arch!r} (no multiarch triplet). " + HOW_TO_GET_JULIA
    )


# --------------------------------------------------------------------------
# install()
# --------------------------------------------------------------------------


def _host_debian_mirror() -> tuple[str, str | None]:
    """(mirror URI, keyring or None) to fetch bullseye from; $PYREF_DEBIAN_MIRROR wins."""
    keyring = str(_DEFAULT_KEYRING) if _DEFAULT_KEYRING.is_file() else None
    override = os.environ.get(ENV_MIRROR)
    if override:
        return override.rstrip("/"), keyring
    picked = pick_debian_source(host_apt_sources())
    if picked is None:
        raise JuliaNotFoundError(
            "no Debian archive mirror found in the host's apt sources (/etc/apt/sources.list, "
            "/etc/apt/sources.list.d); set PYREF_DEBIAN_MIRROR to a Debian archive URI "
            "(one serving dists/bullseye) and retry. " + HOW_TO_GET_JULIA
        )
    uri, source = picked
    if keyring is None and source.signed_by and Path(source.signed_by).is_file():
        keyring = source.signed_by
    return uri, keyring


def _check_debian_host() -> None:
    """Raise JuliaNotFoundError unless this is a Debian-like host with apt-get and dpkg."""
    try:
        os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        os_release = ""
    if not sys.platform.startswith("linux") or not is_debian_like(os_release):
        raise JuliaNotFoundError(
            "`pyref julia install` can only install Julia on Debian or Ubuntu hosts (it "
            "uses apt), and this host is not one. " + HOW_TO_GET_JULIA
        )
    missing = [tool for tool in ("apt-get", "dpkg") if shutil.which(tool) is None]
    if missing:
        raise JuliaNotFoundError(
            f"`pyref julia install` needs {' and '.join(missing)}, which is not on PATH. "
            + HOW_TO_GET_JULIA
        )


@contextlib.contextmanager
def _install_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder`/.install.lock (serialises concurrent installs)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".install.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unpack(debs: list[Path], root: Path) -> None:
    """`dpkg -x` every package into `root`, with a progress bar when tqdm is there."""
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency, but stay usable
        tqdm = None
    if tqdm is not None:
        with tqdm(debs, desc="pyref julia: unpacking", unit="pkg", file=sys.stderr) as bar:
            for deb in bar:
                run_tool(
                    ["dpkg", "-x", str(deb), str(root)],
                    what=f"unpacking {deb.name}",
                    timeout=TIMEOUTS["unpack"],
                )
        return
    for k, deb in enumerate(debs, 1):
        _step(f"unpacking {k}/{len(debs)} {deb.name}")
        run_tool(
            ["dpkg", "-x", str(deb), str(root)],
            what=f"unpacking {deb.name}",
            timeout=TIMEOUTS["unpack"],
        )


def _build_runtime(staging: Path) -> str:
    """Download, unpack and verify Julia inside `staging`; return Julia's version."""
    mirror, keyring = _host_debian_mirror()
    arch = _dpkg_architecture()
    multiarch = _multiarch(arch)
    apt_dir = staging / "apt"
    apt_env = dict(os.environ, APT_CONFIG=str(private_apt_config(apt_dir, mirror, arch, keyring)))
    apt_env["LC_ALL"] = "C"  # stable, parseable messages
    apt_env.pop("DEBIAN_FRONTEND", None)

    _step(f"updating package lists ({mirror} {DEBIAN_SUITE} main, private apt configuration)")
    update = run_tool(
        ["apt-get", "-q", "update"], what="apt-get update", timeout=TIMEOUTS["update"], env=apt_env
    )
    # apt-get update exits 0 even when every download failed; check the result.
    if not any((apt_dir / "state" / "lists").glob(f"*_dists_{DEBIAN_SUITE}_main_binary-*")):
        output = update.stdout + "\n" + update.stderr
        problems = [ln for ln in output.splitlines() if ln.startswith(("E:", "W:", "Err:"))]
        detail = one_line(" ".join(problems) or output) or "no output"
        raise JuliaNotFoundError(
            f"apt-get update could not fetch the {DEBIAN_SUITE} package list from {mirror} "
            f"({detail}); if that mirror is unreachable or lacks {DEBIAN_SUITE}, set "
            f"{ENV_MIRROR} to a Debian archive URI that serves it. " + HOW_TO_GET_JULIA
        )

    debs_dir = apt_dir / "debs"
    debs_dir.mkdir(parents=True, exist_ok=True)
    _step(f"downloading {len(JULIA_DEB_PACKAGES)} packages")
    run_tool(
        ["apt-get", "-q", "download", *JULIA_DEB_PACKAGES],
        what="apt-get download",
        timeout=TIMEOUTS["download"],
        env=apt_env,
        cwd=debs_dir,
    )
    debs = []
    for package in JULIA_DEB_PACKAGES:
        found = sorted(debs_dir.glob(f"{package}_*.deb"))
        if not found:
            raise JuliaNotFoundError(
                f"apt-get download did not produce {package}_*.deb. " + HOW_TO_GET_JULIA
            )
        debs.append(found[-1])

    root = staging / "root"
    root.mkdir()
    _unpack(debs, root)

    launcher = staging / "bin" / "julia"
    write_text(launcher, launcher_script(multiarch), mode=0o755)
    _step("verifying the unpacked Julia")
    env = locate.julia_env(dict(os.environ, JULIA_DEPOT_PATH=str(staging / "depot")))
    version = verify(launcher, env)
    shutil.rmtree(apt_dir, ignore_errors=True)  # lists and .deb files: ~80 MB, no longer needed
    shutil.rmtree(staging / "depot", ignore_errors=True)
    summary = [
        f"julia {version}",
        f"installed {time.strftime('%Y-%m-%d %H:%M:%S %z')} by `pyref julia install`",
        f"from {mirror} {DEBIAN_SUITE} main ({arch})",
        "packages: " + " ".join(d.name for d in debs),
    ]
    write_text(staging / "installed.txt", "\n".join(summary) + "\n")
    return version


def _install_runtime(target: Path, force: bool) -> Path:
    """Install the project-local runtime into `target`, atomically; return its launcher.

    Everything is built in ``target/.staging-*``; the old ``bin`` (if any) is
    moved away first, then ``root`` and finally ``bin`` are renamed into place, so
    ``bin/julia`` exists only for a complete, verified install.
    """
    _check_debian_host()
    started = time.monotonic()
    launcher = target / "bin" / "julia"
    with _install_lock(target):
        if not force and is_executable_file(launcher):  # a concurrent install just finished
            with contextlib.suppress(JuliaNotFoundError):
                _step(f"using Julia {verify(launcher)} at {launcher}, installed meanwhile")
                return launcher
        for stale in target.glob(".staging-*"):  # left by an interrupted install
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=str(target)))
        try:
            version = _build_runtime(staging)
            trash = staging / "old"
            trash.mkdir()
            for name in ("bin", "root", "installed.txt"):  # bin first: un-commit the old one
                if (target / name).exists() or (target / name).is_symlink():
                    os.replace(target / name, trash / name)
            for name in ("root", "installed.txt", "bin"):  # bin last: commit
                os.replace(staging / name, target / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _step(f"installed Julia {version} in {target} ({time.monotonic() - started:.0f} s)")
    return launcher


def _refresh_launcher(launcher: Path) -> None:
    """Rewrite a runtime's launcher written by an older pyref (same triplet, new text)."""
    text = launcher.read_text(encoding="utf-8")
    found = re.search(r'lib="\$root/usr/lib/([A-Za-z0-9_.-]+)"', text)
    if found is None:
        return  # not a launcher of ours
    wanted = launcher_script(found.group(1))
    if text != wanted:
        write_text(launcher, wanted, mode=0o755)
        _step(f"updated the launcher {launcher}")


def install(force: bool = False) -> Path:
    """Make sure a working Julia is available and return the executable to use.

    Without `force`, a Julia that which() finds and that passes verify() is
    returned as is (fast, idempotent). Otherwise (nothing found, the project
    runtime or PATH julia is broken, or `force`) the project-local runtime is
    (re)installed from Debian bullseye. A broken ``$PYREF_JULIA`` is an error,
    not a reason to install: the user chose it explicitly.
    """
    explicit = bool(os.environ.get(ENV_JULIA))
    if not force:
        try:
            exe: Path | None = locate.which()
        except JuliaNotFoundError:
            if explicit:
                raise
            exe = None
        if exe is not None:
            try:
                version = verify(exe)
            except JuliaNotFoundError as err:
                if explicit:
                    raise
                _step(f"{exe} does not work ({err}); installing the project-local Julia")
            else:
                if exe == locate.launcher_path():
                    _refresh_launcher(exe)
                _step(f"using Julia {version} at {exe}")
                return exe
    launcher = _install_runtime(locate.runtime_dir(), force)
    if explicit:
        _step(f"note: PYREF_JULIA={os.environ[ENV_JULIA]} still takes precedence")
    return launcher
