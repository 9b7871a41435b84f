"""``author.toml``: what an author says about their dataset, read through pydantic so that a
wrong field is named with what was expected, what came and what to do.

Fields left for the author hold the word ``TODO``; a build goes through with them (so the
author can look at the result) and ``tiltyard check`` refuses the bundle until none is left.
"""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tiltyard.challenges.manifest import ID_PATTERN, ColumnType, TaskType
from tiltyard.errors import BundleError, did_you_mean

AUTHOR_TOML = "author.toml"
TODO = "TODO"
TODO_WORD = re.compile(r"\bTODO\b")
SPLIT_METHODS = ("random", "stratified", "time:COLUMN", "group:COLUMN")


class AuthoringError(BundleError):
    """An author's folder or data that cannot become a challenge as it is."""

    code = "authoring_invalid"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChallengeSection(Strict):
    id: str
    title: str
    summary: str
    difficulty: Literal["beginner", "intermediate", "advanced"] = "intermediate"
    story: str = "story.md"
    seed: int
    lessons: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _versioned(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"{value!r} is not lowercase words joined by '-' ending in '-vN', like 'doctor-visits-v1'")
        return value


class DataSection(Strict):
    file: str = "data.csv"
    encoding: str | None = None
    """The file's encoding when it is not UTF-8 (``cp1252``, ``latin-1``, …)."""


class ProvenanceSection(Strict):
    source: str
    licence: str
    url: str
    citation: str = ""


class TaskSection(Strict):
    type: TaskType
    target: str
    id_column: str
    classes: list[str] | None = None
    positive_label: str | None = None


class MetricSection(Strict):
    primary: str
    secondary: list[str] = Field(default_factory=list)


class SplitSection(Strict):
    method: str = "random"
    test_fraction: float = Field(default=0.25, gt=0, lt=1)
    public_fraction: float = Field(default=0.3, gt=0, lt=1)
    description: str = ""
    duplicates_across_splits: str | None = None

    @field_validator("method")
    @classmethod
    def _known(cls, value: str) -> str:
        kind, _, column = value.partition(":")
        if kind in ("random", "stratified") and not column or kind in ("time", "group") and column:
            return value
        hint = did_you_mean(kind, ["random", "stratified", "time", "group"]) or ""
        raise ValueError(f"{value!r} is not a split method; expected one of {', '.join(SPLIT_METHODS)}. {hint}")

    @property
    def kind(self) -> str:
        return self.method.partition(":")[0]

    @property
    def column(self) -> str | None:
        return self.method.partition(":")[2] or None


class ColumnEntry(Strict):
    type: ColumnType
    description: str
    missing: int | None = None  # what init counted, for the author's eyes; the build counts again


class AuthorSpec(Strict):
    challenge: ChallengeSection
    data: DataSection = Field(default_factory=DataSection)
    provenance: ProvenanceSection
    task: TaskSection
    metric: MetricSection
    split: SplitSection = Field(default_factory=SplitSection)
    columns: dict[str, ColumnEntry]
    corrupt: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _split_fits_task(self) -> AuthorSpec:
        if self.split.kind == "stratified" and self.task.type == "regression":
            raise ValueError("a stratified split needs classes; a regression task splits 'random', "
                             "'time:COLUMN' or 'group:COLUMN'")
        return self

    def unfilled(self) -> list[str]:
        """Every field still holding TODO, by its place in author.toml."""
        found = []

        def walk(value: Any, where: str) -> None:
            if isinstance(value, str) and TODO_WORD.search(value):
                found.append(where)
            elif isinstance(value, dict):
                for key, item in value.items():
                    walk(item, f"{where}.{key}" if where else str(key))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    walk(item, f"{where}[{index}]")

        walk(self.model_dump(), "")
        return found


def _place(loc: tuple) -> str:
    head, *rest = [str(p) for p in loc] or ["(top)"]
    return f"[{head}]" + "".join(f".{p}" for p in rest)


def read_spec(folder: Path) -> AuthorSpec:
    """The folder's author.toml, validated."""
    folder = Path(folder)
    path = folder / AUTHOR_TOML if folder.is_dir() or not folder.suffix else folder
    if not path.is_file():
        raise AuthoringError(f"No {AUTHOR_TOML} in {folder}", expected=f"a folder holding {AUTHOR_TOML}",
                             got="no such file", hint="Write one with `tiltyard author init data.csv "
                             "--target COL --task binary --metric roc_auc --id-column id --out DIR`")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AuthoringError(f"{path} is not valid TOML", expected="TOML", got=str(error),
                             hint="Fix the line the parser names") from error
    try:
        return AuthorSpec.model_validate(data)
    except ValidationError as error:
        problems = []
        for err in error.errors()[:6]:
            where = _place(err["loc"])
            if err["type"] == "extra_forbidden":
                known = _fields_at(err["loc"][:-1])
                hint = did_you_mean(str(err["loc"][-1]), known)
                problems.append(f"{where}: not a field{' (' + hint + ')' if hint else ''}")
            elif err["type"] == "missing":
                problems.append(f"{where}: missing")
            else:
                problems.append(f"{where}: {err['msg']} (got {err.get('input')!r})")
        raise AuthoringError(f"{path} breaks the author.toml schema", expected="the fields "
                             "`tiltyard author init` writes", got="; ".join(problems),
                             hint="Fix the fields named; `tiltyard author init` shows a complete file") from error


def _fields_at(loc: tuple) -> list[str]:
    """The field names a table at ``loc`` may hold ([columns.age] holds a ColumnEntry's)."""
    model: Any = AuthorSpec
    parts = [str(p) for p in loc]
    while parts and isinstance(model, type) and issubclass(model, BaseModel):
        field = model.model_fields.get(parts.pop(0))
        if field is None:
            break
        model = field.annotation
        if typing.get_origin(model) is dict:  # [columns.NAME]: skip the name
            model = typing.get_args(model)[1]
            parts = parts[1:]
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
