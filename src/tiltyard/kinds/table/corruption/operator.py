"""What every corruption operator is: typed parameters, a fraction, the columns and splits it
touches, whether the brief discloses it, one sentence for the brief, and how it edits."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from tiltyard.challenges.manifest import ColumnType, Task
from tiltyard.errors import TiltyardError
from tiltyard.kinds.table.corruption.edit import Edit

Split = Literal["train", "test"]
SPLITS: tuple[Split, ...] = ("train", "test")
ALL_TYPES: tuple[ColumnType, ...] = ("numeric", "categorical", "text", "datetime", "boolean")
STRINGS: tuple[ColumnType, ...] = ("categorical", "text")


class RecipeError(TiltyardError):
    """A ``[[corrupt]]`` step that cannot be applied as written."""

    code = "recipe_invalid"


@dataclass(frozen=True)
class Schema:
    """What a recipe is checked against: the declared type of every column, and the task."""

    columns: Mapping[str, ColumnType]
    task: Task

    @property
    def target(self) -> str:
        return self.task.target

    @property
    def id_column(self) -> str:
        return self.task.id_column

    @property
    def classification(self) -> bool:
        return self.task.type != "regression"


class Operator(BaseModel):
    """One ``[[corrupt]]`` step. Subclasses set the class variables and write ``apply``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    op: ClassVar[str]
    lesson: ClassVar[str]
    """The coach's lesson that teaches how to repair this damage."""
    repairs: ClassVar[tuple[str, ...]] = ()
    """What to try, said by the coach when predictions still trip on this damage."""
    accepts: ClassVar[tuple[ColumnType, ...]] = ALL_TYPES
    column_count: ClassVar[tuple[int, int | None]] = (1, None)
    allowed_splits: ClassVar[tuple[Split, ...]] = SPLITS
    default_splits: ClassVar[tuple[Split, ...]] = SPLITS
    touches_target: ClassVar[bool] = False

    columns: list[str] = Field(default_factory=list, description="a list of column names")
    fraction: float = Field(ge=0, le=1, description="a number between 0 and 1")
    splits: list[Split] | None = Field(default=None, description='a list of "train" and/or "test"')
    disclosed: bool = Field(default=True, description="true or false: whether the brief mentions it")

    @property
    def touched_splits(self) -> tuple[Split, ...]:
        return tuple(s for s in SPLITS if s in (self.splits or self.default_splits))

    def touched_columns(self, schema: Schema) -> list[str]:
        """The columns whose cells this step may change (rows it adds or removes aside)."""
        return list(self.columns)

    def added_columns(self) -> dict[str, ColumnType]:
        """Columns this step creates (later steps may corrupt them too)."""
        return {}

    def check(self, schema: Schema) -> None:
        """Refuse what the parameters allow but this table does not (raise RecipeError)."""

    @abstractmethod
    def describe(self) -> str:
        """One sentence for the brief: what this step did to the data."""

    @abstractmethod
    def apply(self, edit: Edit) -> None:
        """Make this step's changes through ``edit`` (which logs every cell it changes)."""

    # -- helpers for subclasses ----------------------------------------------------------

    def refuse(self, message: str, *, expected: str, got: str, hint: str) -> RecipeError:
        return RecipeError(f"[[corrupt]] {self.op}: {message}", expected=expected, got=got, hint=hint)

    def share(self) -> str:
        return f"{self.fraction:.0%}"

    def where(self) -> str:
        splits = self.touched_splits
        return "the training and test data" if len(splits) == 2 else f"the {splits[0]} data"

    def names(self) -> str:
        return ", ".join(f"`{c}`" for c in self.columns)
