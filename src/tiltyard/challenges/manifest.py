"""The manifest (`challenge.toml`): everything a bundle declares about itself.

The manifest is the contract between the people who build a challenge and the code that
grades it. It is read and written only through :class:`Manifest`, so a typo in a field
is caught with a message that names the field.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tiltyard.errors import BundleError

MANIFEST_NAME = "challenge.toml"
SCHEMA_VERSION = 1
ID_PATTERN = re.compile(r"^(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)-v(?P<version>[1-9][0-9]*)$")

TaskType = Literal["binary", "multiclass", "regression"]
ColumnType = Literal["numeric", "categorical", "text", "datetime", "id", "boolean"]
FileRole = Literal["brief", "public", "sealed", "starter", "lesson"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Provenance(Strict):
    source: str
    licence: str
    url: str | None = None
    citation: str | None = None


class Task(Strict):
    """A supervised-learning task on a table."""

    type: TaskType
    target: str
    id_column: str
    classes: list[str] | None = None
    positive_label: str | None = None

    @model_validator(mode="after")
    def _classes_fit_the_type(self) -> Task:
        if self.type == "regression":
            if self.classes:
                raise ValueError("a regression task has no classes")
            return self
        if not self.classes or len(self.classes) < 2:
            raise ValueError(f"a {self.type} task lists at least two classes")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("classes must be unique")
        if self.type == "binary":
            if len(self.classes) != 2:
                raise ValueError(f"a binary task has exactly two classes, not {len(self.classes)}")
            if self.positive_label not in self.classes:
                raise ValueError(
                    f"positive_label {self.positive_label!r} must be one of the classes {self.classes}")
        return self


class MetricSpec(Strict):
    primary: str
    secondary: list[str] = Field(default_factory=list)


class Split(Strict):
    method: str
    description: str
    public_fraction: float = Field(gt=0, lt=1)
    seed: int
    train_rows: int = Field(ge=0)
    test_rows: int = Field(ge=0)
    public_rows: int = Field(ge=0)
    private_rows: int = Field(ge=0)


class Budget(Strict):
    submissions_per_day: int = Field(default=20, ge=1)
    wall_seconds: float = Field(default=600, gt=0)
    cpu_seconds: float = Field(default=1200, gt=0)
    memory_mb: int = Field(default=4096, gt=0)
    threads: int = Field(default=2, ge=1)
    experiments: int | None = Field(default=None, ge=1)
    environment_steps: int | None = Field(default=None, ge=1)


class Column(Strict):
    name: str
    type: ColumnType
    description: str
    missing: int = Field(default=0, ge=0)
    table: str = "train"


class SideTable(Strict):
    name: str
    file: str
    description: str
    rows: int = Field(ge=0)
    join: str


class FileEntry(Strict):
    path: str
    role: FileRole
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


# A manifest may store a baseline's score rounded to this many decimals (and no coarser): a
# score that equals it at this precision ties it, it does not beat it.
BASELINE_DECIMALS = 6


class BaselineEntry(Strict):
    name: str
    description: str
    public_score: float
    private_score: float
    predictions: str
    # How a searched rung got its model (trials, what stopped the search, the configuration
    # chosen), so that a refit can replay the choice instead of searching again.
    details: dict[str, Any] | None = None


class FailedBaseline(Strict):
    """A rung that produced no model (a search that failed or ran out of time): the build
    goes on, the ladder says why the rung is missing."""

    name: str
    description: str
    reason: str


TAG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Written only when set, so that a bundle built before these fields keeps its bytes.
OMITTED_WHEN_EMPTY = ("tags", "failed_baselines")


class Manifest(Strict):
    schema_version: int = SCHEMA_VERSION
    id: str
    title: str
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # a registered kind (tiltyard.plugins)
    summary: str
    difficulty: Literal["beginner", "intermediate", "advanced"]
    # Words that group challenges (`tiltyard challenges --tag grid`): lowercase, '-' joined.
    tags: list[str] = Field(default_factory=list)
    brief: str = "brief.md"
    builder: str
    provenance: Provenance
    metric: MetricSpec
    split: Split | None = None
    task: Task | None = None
    budget: Budget = Field(default_factory=Budget)
    columns: list[Column] = Field(default_factory=list)
    tables: list[SideTable] = Field(default_factory=list)
    baselines: list[BaselineEntry] = Field(default_factory=list)
    failed_baselines: list[FailedBaseline] = Field(default_factory=list)
    lessons: list[str] = Field(default_factory=list)
    # None: the practice instance, built from the spec alone (any learner can rebuild it);
    # "secret": built from an instance seed only its arena knows (tiltyard.challenges.instance).
    instance: Literal["secret"] | None = None
    # The kind's own section, written as [KIND] in challenge.toml ([lab] for a lab); its
    # schema is the kind's (ChallengeKind.section_model), checked by the kind.
    section: dict[str, Any] | None = None
    files: list[FileEntry] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _kind_section(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("kind"), str) and data["kind"] in data \
                and data["kind"] not in cls.model_fields:
            data = dict(data)
            data["section"] = data.pop(data["kind"])
        return data

    @field_validator("id")
    @classmethod
    def _versioned_id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(
                f"id {value!r} must be lowercase words joined by '-' and end in '-vN', "
                "like 'flight-delays-v1'")
        return value

    @field_validator("tags")
    @classmethod
    def _tag_words(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not TAG_PATTERN.match(tag):
                raise ValueError(f"tag {tag!r} must be lowercase words joined by '-', like 'grid'")
        return value

    @property
    def name(self) -> str:
        return ID_PATTERN.match(self.id)["name"]

    @property
    def version(self) -> int:
        return int(ID_PATTERN.match(self.id)["version"])

    def file(self, path: str) -> FileEntry:
        for entry in self.files:
            if entry.path == path:
                return entry
        raise BundleError(f"The manifest of {self.id} lists no file {path!r}",
                          expected="one of " + ", ".join(e.path for e in self.files[:8]),
                          got=path)

    def files_with_role(self, role: FileRole) -> list[FileEntry]:
        return [entry for entry in self.files if entry.role == role]

    def baseline(self, name: str) -> BaselineEntry:
        for entry in self.baselines:
            if entry.name == name:
                return entry
        raise BundleError(f"{self.id} has no baseline {name!r}",
                          expected=", ".join(b.name for b in self.baselines), got=name)

    def dump(self, path: Path) -> None:
        data = self.model_dump(mode="json", exclude_none=True)
        for key in OMITTED_WHEN_EMPTY:
            if not data.get(key):
                data.pop(key, None)
        if "section" in data:
            data[self.kind] = data.pop("section")
        path.write_text(tomli_w.dumps(data), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        if path.is_dir():
            path = path / MANIFEST_NAME
        if not path.is_file():
            raise BundleError(f"No manifest at {path}",
                              expected=f"a bundle folder holding {MANIFEST_NAME}",
                              got="no such file",
                              hint="Point at the bundle folder, or build it with `tiltyard catalog build`")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise BundleError(f"{path} is not valid TOML", got=str(exc),
                              hint="Fix the line the parser names") from exc
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
                for err in exc.errors()[:6])
            raise BundleError(f"{path} breaks the manifest schema", got=problems,
                              hint="See challenges/manifest.py for every field") from exc
