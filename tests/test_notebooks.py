"""The notebooks (chapters 3, 4, 5, 7 and 8, chapter 6 section by section, and CS231n's
assignment 2) (notebooks/*.ipynb): each runs top to bottom, as committed
(embedded data, quick mode), in a Python kernel of this interpreter with Julia
through the executable bridge, and shows its figures; none is committed with outputs.

Running a notebook needs Julia (the ``julia_exe`` fixture: skipped without one,
a failure with ``PYREF_REQUIRE_JULIA=1``). A notebook fails when any cell raises,
including its last cell, which asserts the parity harness's verdict.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SECTIONS = (
    "3-neural-networks",
    "4-training",
    "5-backpropagation",
    "6.1-optimizers",
    "6.2-weight-initialization",
    "6.3-batch-normalization",
    "6.4-regularization",
    "6.5-hyperparameter-search",
    "7-convolutional-networks",
    "8-deep-learning",
    "cs231n-fully-connected-nets",
)
#: Seconds one cell may take before the run is abandoned (quick mode needs a few).
CELL_TIMEOUT = 600
KERNEL_NAME = "pyref-test-python"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _strip_tool():
    spec = importlib.util.spec_from_file_location(
        "strip_notebooks", REPO / "tools" / "strip_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_notebook_per_section() -> None:
    assert tuple(p.stem for p in NOTEBOOKS) == SECTIONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_carries_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    counted = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count]
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs]
    assert not counted and not with_outputs, (
        f"{path.name} is committed with outputs (cells {with_outputs}) or execution counts "
        f"(cells {counted}); run `python tools/strip_notebooks.py` before committing"
    )
    assert not _strip_tool().strip(copy.deepcopy(nb)), (
        f"{path.name} carries run metadata; run `python tools/strip_notebooks.py`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_defaults_to_embedded_data_and_quick_mode(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    settings = next(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r'^DATA = "embedded"', settings, re.M), settings
    assert re.search(r"^QUICK = True", settings, re.M), settings
    assert re.search(r"^SEED = \d+", settings, re.M), settings


def _kernel_manager(spec_root: Path) -> KernelManager:
    """A kernel manager for an ipykernel of this very interpreter, whatever kernels
    the machine has installed under the name python3."""
    spec_dir = spec_root / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KernelManager(
        kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_root)])
    )


def _figures(nb: nbformat.NotebookNode) -> tuple[int, list[str]]:
    """How many images the notebook's outputs hold, and the text stand-ins of
    figures that were not drawn (a Figure repr instead of a PNG)."""
    images, undrawn = 0, []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                images += 1
            elif "<Figure size" in data.get("text/plain", ""):
                undrawn.append(data["text/plain"])
    return images, undrawn


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(
    path: Path, julia_exe: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel inherits this environment: Julia through the executable bridge, the
    # julia pyref resolves (julia_exe), figures rendered without a display.
    monkeypatch.setenv("PYREF_JULIA_BRIDGE", "exe")
    monkeypatch.setenv("PYREF_JULIA", str(julia_exe))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    km = _kernel_manager(tmp_path / "kernels")
    client = NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    started = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as err:
        error = ANSI.sub("", str(err))
    finally:
        # nbclient leaves a kernel it was handed running: shut it down, politely, so
        # that it stops its Julia worker on the way out.
        if km.has_kernel:
            km.shutdown_kernel()
    print(f"{path.name}: {time.perf_counter() - started:.1f} s")
    if error is not None:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
    images, undrawn = _figures(nb)
    assert not undrawn, f"{path.name}: figures shown as text, not drawn: {undrawn}"
    # Every experiment is drawn for Python and for Julia, plus comparisons.
    assert images >= 5, f"{path.name} shows only {images} figures"
