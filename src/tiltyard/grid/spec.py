"""The grid spec: axes of components, the slots that connect them, the challenges, the protocol
and the per-cell budget. Written as TOML (``load_spec``) or built in Python (``GridSpec(...)``);
both are the same object, checked by :func:`tiltyard.grid.plan.plan` before any cell runs.

```toml
name = "scalers"
protocol = "lite"                  # or "standard": TabArena's repeated 3-fold outer splits
seeds = [0]
compose = ["preprocessor", "model"]  # a Pipeline in this order; the last one predicts

[challenges]
ids = ["titanic-v1"]               # or filters: kind, tags, min_rows, max_rows

[budget]
wall_seconds = 120
cpu_seconds = 120
memory_mb = 1024
threads = 1
max_trials = 20                    # handed to any factory that takes max_trials

[axes.preprocessor]
standard = { factory = "sklearn.preprocessing:StandardScaler" }
mine = { factory = "my_components:make_scaler", params = { clip = 3 } }

[axes.model]
logistic = { factory = "sklearn.linear_model:LogisticRegression", params = { max_iter = 500 } }

[[exclude]]
preprocessor = "mine"
model = "logistic"
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from tiltyard.errors import TiltyardError

SPEC_SUFFIX = ".toml"


class GridError(TiltyardError):
    code = "invalid_grid"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Component(Strict):
    """One value of an axis: ``module:callable`` called with ``params`` builds an estimator."""

    factory: str = Field(description="'module:callable', or 'passthrough' for a step that does nothing")
    params: dict[str, Any] = Field(default_factory=dict)


class ChallengeSelection(Strict):
    ids: list[str] = Field(default_factory=list, description="challenge ids; empty: every challenge the filters keep")
    kind: str = "table"
    tags: list[str] = Field(default_factory=list, description="keep challenges whose manifest has every tag")
    min_rows: int | None = Field(None, ge=1)
    max_rows: int | None = Field(None, ge=1)


class CellBudget(Strict):
    """What one cell may use: the sandbox's limits plus a count budget for components that tune."""

    wall_seconds: float = Field(300.0, gt=0)
    cpu_seconds: float = Field(300.0, gt=0)
    memory_mb: int = Field(2048, gt=0)
    threads: int = Field(1, ge=1)
    max_trials: int | None = Field(None, ge=1)


class GridSpec(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    protocol: Literal["lite", "standard"] = "lite"
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    compose: list[str] | None = Field(None, description="pipeline order of the axes; default: every axis "
                                                        "that fills no slot, in the order written")
    # "auto": impute numbers and one-hot categories first, so components see a numeric matrix;
    # "none": the first step gets the raw DataFrame.
    encode: Literal["auto", "none"] = "auto"
    axes: dict[str, dict[str, Component]] = Field(min_length=1)
    # axis -> "receiving_axis.parameter": that axis's component is passed as the parameter.
    slots: dict[str, str] = Field(default_factory=dict)
    exclude: list[dict[str, str | list[str]]] = Field(default_factory=list)
    challenges: ChallengeSelection = Field(default_factory=ChallengeSelection)
    budget: CellBudget = Field(default_factory=CellBudget)
    # Where the user's own modules live (the spec's folder); set by load_spec.
    _root: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def root(self) -> Path:
        return self._root

    def at(self, root: Path) -> GridSpec:
        """The same spec, with user modules looked up in ``root``."""
        self._root = Path(root).resolve()
        return self


def load_spec(path: str | Path) -> GridSpec:
    path = Path(path)
    if not path.is_file():
        raise GridError(f"No grid spec at {path}", expected="a TOML file with [axes.NAME] tables", got="no such file",
                        hint="check the path; `tiltyard grid plan SPEC` reads it")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise GridError(f"{path} is not valid TOML", got=str(error), hint="fix the line the parser names") from error
    data.setdefault("name", path.stem)
    return spec_from_dict(data, source=str(path)).at(path.parent)


def spec_from_dict(data: dict[str, Any], *, source: str = "the spec") -> GridSpec:
    try:
        return GridSpec.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
                             for e in error.errors()[:6])
        raise GridError(f"{source} is not a grid spec", expected="name, protocol, seeds, compose, encode, [axes.NAME], "
                        "[slots], [[exclude]], [challenges], [budget]", got=problems,
                        hint="see `tiltyard grid --help` and the README section 'The grid'") from error
