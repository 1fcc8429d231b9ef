"""Known-answer vectors: the book's inputs and outputs as .npy files and a JSON manifest.

``pyref vectors COMPONENT... --out DIR`` writes them; ``PyRef.Verify.check_vectors(DIR,
checks...)`` runs a port on the inputs and compares with the outputs from plain Julia
with ``Test``, so a port's own ``runtests.jl`` can carry the proof without Python.

The manifest (``manifest.json``) is ``{"format": "pyref-vectors-1", "seed", "steps",
"cases": [{"kind", "component", "settings", "inputs", "outputs"}]}``; every array in
``inputs`` and ``outputs`` is ``{"__npy__": "FILE.npy"}``, every number a JSON number
(float64 written in its shortest round-trip form).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from pyref.fileio import write_bytes, write_json
from pyref.verify.cases import COMPONENTS, build_case

FORMAT = "pyref-vectors-1"

#: Each component name of ``pyref vectors`` and the kind of check it is for.
_BY_NAME: dict[str, str] = {
    name: kind for kind in ("optimizer", "layer", "function", "net") for name in COMPONENTS[kind]
}


def parse_components(names: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """``pyref vectors``' COMPONENT arguments as (kind, component, settings).

    A name is an optimizer, layer, function or net of the book ('Momentum', 'Affine',
    'softmax', 'MultiLayerNet'), 'training' or 'training:OPTIMIZER' (a MultiLayerNet
    trained with that optimizer, default SGD), or 'all'.
    """
    if not names:
        raise ValueError("give at least one COMPONENT (or 'all')")
    specs: list[tuple[str, str, dict[str, Any]]] = []
    for name in names:
        if name == "all":
            specs += [(kind, n, {}) for n, kind in _BY_NAME.items()]
            specs.append(("training", "MultiLayerNet", {}))
        elif name == "training" or name.startswith("training:"):
            opt = name.partition(":")[2] or "SGD"
            if opt not in COMPONENTS["optimizer"]:
                raise ValueError(
                    f"COMPONENT {name}: {opt!r} is not one of the book's optimizers "
                    f"({', '.join(COMPONENTS['optimizer'])})"
                )
            specs.append(("training", "MultiLayerNet", {"optimizer": opt}))
        elif name in _BY_NAME:
            specs.append((_BY_NAME[name], name, {}))
        else:
            raise ValueError(
                f"COMPONENT {name!r} is not one of the book's components: "
                f"{', '.join(_BY_NAME)}, training[:OPTIMIZER], all"
            )
    seen, unique = set(), []
    for spec in specs:
        key = (spec[0], spec[1])
        if key not in seen:
            seen.add(key)
            unique.append(spec)
    return unique


def _externalize(value: Any, out: Path, prefix: str, files: list[Path]) -> Any:
    """``value`` with every array written to ``out`` and replaced by its reference."""
    if isinstance(value, dict):
        return {k: _externalize(v, out, f"{prefix}.{k}", files) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return list(value)
        return [_externalize(v, out, f"{prefix}.{i}", files) for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        name = f"{prefix}.npy"
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(value), allow_pickle=False)
        files.append(write_bytes(out / name, buf.getvalue()))
        return {"__npy__": name}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def write_vectors(
    specs: list[tuple[str, str, dict[str, Any]]],
    out: str | os.PathLike,
    *,
    steps: int = 10,
    seed: int = 0,
) -> Path:
    """Write the cases of ``specs`` into ``out`` and return the manifest's path.

    Args:
        specs: (kind, component, settings) as :func:`parse_components` gives them.
        out: the folder; created if needed. Files of an earlier run are overwritten.
        steps: steps per case, >= 1.
        seed: numpy's seed.

    Returns:
        The path of ``manifest.json``, written last (atomically), so a folder with a
        manifest holds every file it names.
    """
    out = Path(out)
    cases, files = [], []
    for i, (kind, component, settings) in enumerate(specs):
        case = build_case(kind, component, settings, steps, seed)
        prefix = f"{i:02d}-{kind}-{component}"
        cases.append(
            {
                "kind": kind,
                "component": component,
                "settings": case.settings,
                "inputs": _externalize(case.inputs, out, f"{prefix}-in", files),
                "outputs": _externalize(case.outputs, out, f"{prefix}-out", files),
            }
        )
    manifest = {"format": FORMAT, "seed": seed, "steps": steps, "cases": cases}
    return write_json(out / "manifest.json", manifest)
