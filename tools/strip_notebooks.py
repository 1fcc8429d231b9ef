"""Strip outputs from Jupyter notebooks before they are committed.

Removes every code cell's outputs, its execution count and the execution timings
Jupyter and nbclient record in cell metadata, and the interpreter details a run
adds to the notebook's language_info, so diffs show only what a person wrote. With ``--check`` nothing is written: the exit status is 1 when a notebook
would change (``tests/test_notebooks.py`` checks the same for notebooks/).

    python tools/strip_notebooks.py                 # every notebook in notebooks/
    python tools/strip_notebooks.py path.ipynb ...  # these notebooks
    python tools/strip_notebooks.py --check
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
#: Cell metadata that records a run rather than anything a person wrote.
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def strip(nb: nbformat.NotebookNode) -> bool:
    """Remove ``nb``'s outputs, execution counts and run metadata in place; whether
    anything was removed."""
    changed = False
    # Running a notebook fills in the kernel's Python version and lexers: keep the name.
    info = nb.metadata.get("language_info")
    if info is not None and set(info) - {"name"}:
        nb.metadata["language_info"] = {"name": info.get("name", "python")}
        changed = True
    for cell in nb.cells:
        for key in RUN_METADATA:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.outputs:
            cell.outputs = []
            changed = True
        if cell.execution_count is not None:
            cell.execution_count = None
            changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any would change"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted((REPO / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if strip(nb):
            dirty.append(path)
            if not args.check:
                nbformat.write(nb, path)
    for path in dirty:
        print(f"{'has outputs' if args.check else 'stripped'}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
