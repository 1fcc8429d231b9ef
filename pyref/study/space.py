"""The search space of ``pyref search``: which settings a trial draws, over which ranges.

A space is an ordered list of parameters, each one of

- a float range, linear (``lr=0.001:0.1``) or log (``lr=1e-6:1e-2:log``);
- an integer range, both ends included (``hidden_layers=2:6``, ``batch_size=32:256:log``);
- a choice among values (``optimizer=sgd|momentum|adam``, ``use_batchnorm=true|false``).

On the command line a space is written as such items separated by commas or spaces
(``--space "lr=1e-4:1e-1:log, optimizer=sgd|adam"``), or given as a TOML file
(``--space space.toml``), one table per parameter::

    [lr]
    low = 1e-4
    high = 1e-1
    log = true

    [optimizer]
    choices = ["sgd", "adam"]

The parameters are the settings of pyref's MultiLayerNetExtend and Trainer that a
trial can vary (:data:`PARAMETERS`); a setting not in the space keeps its fixed
value (:data:`FIXED`, the book's search net and SGD). The default space is the
book's: weight decay 10^uniform(-8, -4), then lr 10^uniform(-6, -2), drawn in that
order. The random sampler draws the parameters from the trial's stream in the
order of the space (so the default space gives the book's draws exactly);
:func:`trial_settings` turns a drawn point into the net's and Trainer's arguments.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np

try:  # Python 3.11+; before, the search extra installs tomli (the same parser)
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

from pyref.optimizers import OPTIMIZERS
from pyref.search import LR_LOG10_RANGE, SEARCH_BATCH_SIZE, WEIGHT_DECAY_LOG10_RANGE

Value = Union[float, int, str, bool]

#: The parameters a space may hold: kind ('float', 'int', 'choice') and the check of
#: one value (a description for messages, and a predicate).
PARAMETERS: dict[str, tuple[str, str]] = {
    "lr": ("float", "> 0"),
    "weight_decay": ("float", ">= 0"),
    "dropout_ratio": ("float", "in [0, 1); 0 means no Dropout layers"),
    "hidden_size": ("int", ">= 1 (every hidden layer's size)"),
    "hidden_layers": ("int", ">= 1 (number of hidden layers)"),
    "batch_size": ("int", ">= 1"),
    "optimizer": ("choice", f"one of {', '.join(OPTIMIZERS)}"),
    "use_batchnorm": ("choice", "true or false"),
}

#: The value of every parameter a space leaves out (hidden sizes and batch size come
#: from the study's settings, --hidden and the book's 100).
FIXED: dict[str, Value] = {
    "lr": 0.01,
    "weight_decay": 0.0,
    "dropout_ratio": 0.0,
    "optimizer": "sgd",
    "use_batchnorm": False,
}


class SpaceError(ValueError):
    """A search space that cannot be used; the message names the parameter."""


def _ok(name: str, value: Value) -> bool:
    if name == "lr":
        return value > 0
    if name == "weight_decay":
        return value >= 0
    if name == "dropout_ratio":
        return 0 <= value < 1
    if name in ("hidden_size", "hidden_layers", "batch_size"):
        return value >= 1
    if name == "optimizer":
        return value in OPTIMIZERS
    if name == "use_batchnorm":
        return isinstance(value, bool)
    return False


@dataclass(frozen=True)
class Param:
    """One parameter of a space: a range (``low``..``high``, ``log``) or ``choices``."""

    name: str
    kind: str  # 'float', 'int' or 'choice'
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    choices: tuple[Value, ...] = ()

    def __post_init__(self) -> None:
        name = self.name
        if name not in PARAMETERS:
            raise SpaceError(
                f"unknown search parameter {name!r}; choose from {', '.join(PARAMETERS)}"
            )
        kind, rule = PARAMETERS[name]
        if self.kind == "choice":
            if not self.choices:
                raise SpaceError(f"search parameter {name}: no choices given")
            if len(set(self.choices)) != len(self.choices):
                raise SpaceError(f"search parameter {name}: a choice is listed twice")
            for c in self.choices:
                if name == "use_batchnorm":
                    typed = isinstance(c, bool)
                elif kind == "choice":
                    typed = isinstance(c, str)
                elif isinstance(c, bool) or not isinstance(c, (int, float)):
                    typed = False
                elif not math.isfinite(c):
                    raise SpaceError(f"search parameter {name}: choice {c!r} must be finite")
                else:
                    typed = kind == "float" or isinstance(c, int)
                if not typed or not _ok(name, c):
                    what = (
                        rule
                        if kind == "choice"
                        else f"{'an' if kind == 'int' else 'a'} {kind} {rule}"
                    )
                    raise SpaceError(
                        f"search parameter {name}: choice {c!r} is not allowed (must be {what})"
                    )
            return
        if kind == "choice":
            raise SpaceError(f"search parameter {name} takes choices (a|b|...), not a range")
        if self.kind != kind:
            raise SpaceError(
                f"search parameter {name} is {'an' if kind == 'int' else 'a'} "
                f"{kind}, not {self.kind}"
            )
        for end in ("low", "high"):
            v = getattr(self, end)
            bad_type = isinstance(v, bool) or not isinstance(v, (int, float))
            if not bad_type and not math.isfinite(v):
                raise SpaceError(f"search parameter {name}: {end} {v!r} must be finite")
            if bad_type or (kind == "int" and not float(v).is_integer()):
                raise SpaceError(
                    f"search parameter {name}: {end} must be "
                    f"{'an integer' if kind == 'int' else 'a number'}, got {v!r}"
                )
            if not _ok(name, v):
                raise SpaceError(f"search parameter {name}: {end} {v!r} is not allowed ({rule})")
        if kind == "int":
            object.__setattr__(self, "low", int(self.low))
            object.__setattr__(self, "high", int(self.high))
        else:
            object.__setattr__(self, "low", float(self.low))
            object.__setattr__(self, "high", float(self.high))
        if not self.low < self.high:
            raise SpaceError(
                f"search parameter {name}: low {self.low!r} must be below high {self.high!r}"
            )
        if self.log and self.low <= 0:
            raise SpaceError(
                f"search parameter {name}: a log range needs low > 0, got {self.low!r}"
            )

    # drawing

    def draw(self, rng: np.random.RandomState) -> Value:
        """One value from ``rng``: log floats as ``10**uniform(log10 low, log10 high)``
        (the book's draw), linear floats ``uniform(low, high)``, integers and choices
        uniformly (``randint``)."""
        if self.kind == "choice":
            return self.choices[int(rng.randint(len(self.choices)))]
        if self.kind == "float":
            if self.log:
                return float(10 ** rng.uniform(math.log10(self.low), math.log10(self.high)))
            return float(rng.uniform(self.low, self.high))
        if self.log:
            v = 10 ** rng.uniform(math.log10(self.low), math.log10(self.high + 1))
            return min(int(math.floor(v)), int(self.high))
        return int(rng.randint(self.low, self.high + 1))

    def from_unit(self, u: float) -> Value:
        """The value at ``u`` in [0, 1) of this parameter's range (for QMC points)."""
        u = min(max(float(u), 0.0), np.nextafter(1.0, 0.0))
        if self.kind == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.kind == "float":  # kept inside the range whatever pow's rounding does
            if self.log:
                lo, hi = math.log10(self.low), math.log10(self.high)
                return min(max(float(10 ** (lo + u * (hi - lo))), self.low), self.high)
            return min(max(float(self.low + u * (self.high - self.low)), self.low), self.high)
        if self.log:
            lo, hi = math.log10(self.low), math.log10(self.high + 1)
            return min(int(math.floor(10 ** (lo + u * (hi - lo)))), int(self.high))
        return min(int(self.low + math.floor(u * (self.high - self.low + 1))), int(self.high))

    def distribution(self) -> Any:
        """The Optuna distribution of this parameter."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.kind == "choice":
            return CategoricalDistribution(list(self.choices))
        if self.kind == "float":
            return FloatDistribution(self.low, self.high, log=self.log)
        return IntDistribution(int(self.low), int(self.high), log=self.log)

    def to_json(self) -> dict[str, Any]:
        if self.kind == "choice":
            return {"name": self.name, "choices": list(self.choices)}
        return {"name": self.name, "low": self.low, "high": self.high, "log": self.log}

    def describe(self) -> str:
        if self.kind == "choice":
            return f"{self.name}={'|'.join(_show(c) for c in self.choices)}"
        return f"{self.name}={self.low!r}:{self.high!r}{':log' if self.log else ''}"


def _show(value: Value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of parameters (the random sampler draws them in this order)."""

    params: tuple[Param, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(self.params))
        if not self.params:
            raise SpaceError("the search space has no parameters")
        names = [p.name for p in self.params]
        for name in names:
            if names.count(name) > 1:
                raise SpaceError(f"search parameter {name} is given twice")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def is_default(self) -> bool:
        """True for the book's space (weight decay, then lr, log ranges)."""
        return self == DEFAULT_SPACE

    def draw(self, rng: np.random.RandomState) -> dict[str, Value]:
        """A point drawn from ``rng``, parameter by parameter in the space's order."""
        return {p.name: p.draw(rng) for p in self.params}

    def from_unit(self, point: Any) -> dict[str, Value]:
        """The point at ``point`` (one number in [0, 1) per parameter) of the space."""
        return {p.name: p.from_unit(u) for p, u in zip(self.params, point)}

    def distributions(self) -> dict[str, Any]:
        return {p.name: p.distribution() for p in self.params}

    def check_point(self, point: Any) -> dict[str, Value]:
        """``point`` (a stored or sampled dict) if it holds a value for each parameter of
        the space, allowed by the space; else SpaceError naming the parameter."""
        if not isinstance(point, dict) or set(point) != set(self.names):
            raise SpaceError(
                f"a trial's parameters {point!r} do not match the space ({', '.join(self.names)})"
            )
        for p in self.params:
            if not p.distribution()._contains(p.distribution().to_internal_repr(point[p.name])):
                raise SpaceError(
                    f"search parameter {p.name}: value {point[p.name]!r} is outside the space"
                )
        return {name: point[name] for name in self.names}

    def to_json(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.params]

    @classmethod
    def from_json(cls, items: Any) -> SearchSpace:
        if not isinstance(items, list):
            raise SpaceError(f"a stored search space must be a list, got {type(items).__name__}")
        params = []
        for d in items:
            if not isinstance(d, dict) or "name" not in d:
                raise SpaceError(f"a stored search parameter must be an object with a name: {d!r}")
            params.append(_param(d["name"], {k: v for k, v in d.items() if k != "name"}))
        return cls(tuple(params))

    def describe(self) -> str:
        return ", ".join(p.describe() for p in self.params)


#: The book's space: weight decay 10^uniform(-8, -4), then lr 10^uniform(-6, -2).
DEFAULT_SPACE = SearchSpace(
    (
        Param(
            "weight_decay",
            "float",
            10 ** WEIGHT_DECAY_LOG10_RANGE[0],
            10 ** WEIGHT_DECAY_LOG10_RANGE[1],
            log=True,
        ),
        Param("lr", "float", 10 ** LR_LOG10_RANGE[0], 10 ** LR_LOG10_RANGE[1], log=True),
    )
)


def _param(name: Any, table: Any) -> Param:
    """A parameter from a TOML table or stored object: low/high[/log] or choices."""
    if not isinstance(name, str) or name not in PARAMETERS:
        raise SpaceError(f"unknown search parameter {name!r}; choose from {', '.join(PARAMETERS)}")
    if not isinstance(table, dict):
        raise SpaceError(
            f"search parameter {name}: expected a table with low and high, or "
            f"choices; got {table!r}"
        )
    keys = set(table)
    if "choices" in keys:
        if keys - {"choices"}:
            raise SpaceError(
                f"search parameter {name}: choices cannot be combined with "
                f"{', '.join(sorted(keys - {'choices'}))}"
            )
        choices = table["choices"]
        if not isinstance(choices, list):
            raise SpaceError(f"search parameter {name}: choices must be a list, got {choices!r}")
        return Param(name, "choice", choices=tuple(choices))
    unknown = keys - {"low", "high", "log"}
    if unknown or not {"low", "high"} <= keys:
        raise SpaceError(
            f"search parameter {name}: give low and high (and log = true for a log "
            f"range), or choices; got keys {', '.join(sorted(keys)) or 'none'}"
        )
    log = table.get("log", False)
    if not isinstance(log, bool):
        raise SpaceError(f"search parameter {name}: log must be true or false, got {log!r}")
    kind = PARAMETERS[name][0]
    return Param(name, kind if kind != "choice" else "float", table["low"], table["high"], log)


def _number(name: str, text: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise SpaceError(f"search parameter {name}: {text!r} is not a number") from None
    return value


def _choice(name: str, text: str) -> Value:
    kind = PARAMETERS.get(name, ("choice",))[0]
    if name == "use_batchnorm":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise SpaceError(f"search parameter use_batchnorm: choice {text!r} is not true or false")
    if kind in ("float", "int"):
        return _number(name, text)
    return text.lower() if name == "optimizer" else text


def parse_item(item: str) -> Param:
    """One ``name=low:high[:log]`` or ``name=a|b|c`` item of ``--space``."""
    name, sep, spec = item.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name or not spec:
        raise SpaceError(
            f"--space item {item!r}: expected name=low:high, name=low:high:log or name=a|b|c"
        )
    if name not in PARAMETERS:
        raise SpaceError(f"unknown search parameter {name!r}; choose from {', '.join(PARAMETERS)}")
    if "|" in spec or PARAMETERS[name][0] == "choice":
        return Param(
            name, "choice", choices=tuple(_choice(name, c.strip()) for c in spec.split("|"))
        )
    parts = spec.split(":")
    log = False
    if len(parts) == 3 and parts[2].strip().lower() == "log":
        log, parts = True, parts[:2]
    if len(parts) != 2:
        raise SpaceError(f"--space item {item!r}: expected name=low:high or name=low:high:log")
    low, high = (_number(name, p.strip()) for p in parts)
    return Param(name, PARAMETERS[name][0], low, high, log)


#: What ``--space`` accepts, for messages.
SPACE_FORMATS = (
    "a .toml file (one table per parameter) or items name=low:high, name=low:high:log "
    "or name=a|b|c separated by commas"
)


def parse_space(text: str | None) -> SearchSpace:
    """The space ``--space`` names: None or '' is the book's; a path to a ``.toml`` file
    is read as TOML; otherwise items separated by commas or whitespace. Text without
    ``=`` that names a file, or looks like a file name (a folder, an extension), is a
    file: SpaceError naming it unless it is a ``.toml`` file."""
    if text is None or not str(text).strip():
        return DEFAULT_SPACE
    text = str(text)
    name = text.strip()
    if name.lower().endswith(".toml"):
        return load_space_file(name)
    if "=" not in name and _looks_like_a_file(name):
        p = Path(name)
        if p.is_file():
            kind = f"a {p.suffix} file" if p.suffix else "a file without the .toml extension"
            raise SpaceError(f"--space {p}: {kind} is not a space; give {SPACE_FORMATS}")
        raise SpaceError(f"--space {p}: there is no such file; give {SPACE_FORMATS}")
    items = [s for s in text.replace(",", " ").split() if s]
    return SearchSpace(tuple(parse_item(s) for s in items))


def _looks_like_a_file(text: str) -> bool:
    """True for text that names an existing file, or has a folder or an extension."""
    suffix = Path(text).suffix
    return (
        Path(text).is_file()
        or "/" in text
        or os.sep in text
        or bool(re.fullmatch(r"\.[A-Za-z]\w*", suffix))
    )


def load_space_file(path: str | Path) -> SearchSpace:
    """A space from a TOML file: one table per parameter, in the file's order."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpaceError(f"--space: no file {p}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpaceError(f"--space: cannot read {p}: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise SpaceError(f"--space: {p} is not valid TOML: {err}") from None
    return SearchSpace(tuple(_param(name, table) for name, table in data.items()))


def trial_settings(
    point: dict[str, Value], *, hidden: tuple[int, ...], batch_size: int = SEARCH_BATCH_SIZE
) -> dict[str, Any]:
    """A trial's full settings from its drawn ``point``: every parameter (FIXED values
    for those the space leaves out), the hidden layer sizes (``hidden_size`` x
    ``hidden_layers`` when the space has either, else ``hidden``) and batch size."""
    s: dict[str, Any] = {**FIXED, **point}
    size = point.get("hidden_size")
    layers = point.get("hidden_layers")
    if size is not None or layers is not None:
        s["hidden"] = tuple(
            [int(size if size is not None else hidden[0])]
            * int(layers if layers is not None else len(hidden))
        )
    else:
        s["hidden"] = tuple(int(h) for h in hidden)
    s["batch_size"] = int(point.get("batch_size", batch_size))
    s.pop("hidden_size", None)
    s.pop("hidden_layers", None)
    s["lr"] = float(s["lr"])
    s["weight_decay"] = float(s["weight_decay"])
    s["dropout_ratio"] = float(s["dropout_ratio"])
    s["use_batchnorm"] = bool(s["use_batchnorm"])
    return s
