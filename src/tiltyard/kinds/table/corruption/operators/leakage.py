"""A leakage column: a field that carries the answer in the training data (a noisy copy of
the target, a field recorded after the outcome, an aggregate over the future) and carries
nothing in the test data (absent, or shuffled)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from tiltyard.challenges.manifest import ColumnType
from tiltyard.errors import did_you_mean
from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.numeric import spread
from tiltyard.kinds.table.corruption.operator import Operator, Schema, Split
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.values import plain

DECIMALS = 3


def target_codes(edit: Edit, frame: pd.DataFrame) -> np.ndarray:
    """The target as numbers: itself (regression), 1 for the positive class, or the class's index."""
    values = frame[edit.target]
    task = edit.task
    if task.type == "regression":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    labels = values.map(lambda v: str(plain(v)))
    if task.type == "binary":
        return (labels == task.positive_label).to_numpy(dtype=np.float64)
    index = {c: i for i, c in enumerate(task.classes)}
    return labels.map(lambda v: index.get(v, np.nan)).to_numpy(dtype=np.float64)


@register
class LeakageColumn(Operator):
    """A new column that carries the answer in train and nothing in test."""

    op = "leakage_column"
    lesson = "target-leakage"
    repairs = ('Drop the column: it will not be known when a prediction is needed (it is absent or meaningless in '
               'test)',)
    column_count = (0, 0)

    name: str = Field(description='the new column\'s name ("collection_calls")')
    kind: Literal["noisy_copy", "post_outcome", "future_aggregate"] = Field(
        default="noisy_copy", description='"noisy_copy", "post_outcome" or "future_aggregate"')
    in_test: Literal["absent", "shuffled"] = Field(
        default="shuffled", description='"absent" (not in test.csv) or "shuffled" (there, but meaningless)')
    noise: float = Field(default=0.1, ge=0, description="noise added to the copy, in target spreads")
    group: str | None = Field(default=None, description="the column a future aggregate is taken over")
    fraction: float = Field(default=1.0, ge=0, le=1, description="the share of training rows that carry the leak")

    @property
    def touched_splits(self) -> tuple[Split, ...]:
        return ("train",) if self.in_test == "absent" else ("train", "test")

    def touched_columns(self, schema: Schema) -> list[str]:
        return [self.name]

    def added_columns(self) -> dict[str, ColumnType]:
        return {self.name: "numeric"}

    def check(self, schema: Schema) -> None:
        if self.name in schema.columns:
            raise self.refuse("the leakage column's name is taken", expected="a new column name",
                              got=repr(self.name), hint="Name the new column something the table lacks")
        if self.splits is not None:
            raise self.refuse("a leakage column is in train, and absent or shuffled in test",
                              expected='no splits (use in_test = "absent" or "shuffled")',
                              got=f"splits = {self.splits}", hint="Remove splits")
        if (self.kind == "future_aggregate") != (self.group is not None):
            raise self.refuse("a future aggregate, and only it, is taken over a group",
                              expected='kind = "future_aggregate" with group = "a column"',
                              got=f"kind = {self.kind!r}, group = {self.group!r}",
                              hint="Give both, or neither")
        if self.group is not None and self.group not in schema.columns:
            raise self.refuse("group names an unknown column", expected="one of " + ", ".join(schema.columns),
                              got=repr(self.group), hint=did_you_mean(self.group, schema.columns)
                              or "Check the column names")

    def describe(self) -> str:
        what = {"noisy_copy": "almost repeats the answer",
                "post_outcome": "was recorded after the outcome",
                "future_aggregate": f"averages the outcome over each `{self.group}`, future rows included"}[self.kind]
        test = "is absent from the test data" if self.in_test == "absent" else "carries nothing in the test data"
        return f"The column `{self.name}` {what} in the training data and {test}."

    def _leak(self, edit: Edit, train: pd.DataFrame) -> np.ndarray:
        code = target_codes(edit, train)
        rng = edit.rng
        if self.kind == "noisy_copy":
            return code + rng.normal(0.0, self.noise * spread(pd.Series(code)), code.size)
        if self.kind == "post_outcome":
            if edit.task.type == "regression":
                return code * np.exp(rng.normal(0.0, self.noise, code.size))
            return rng.poisson(0.3 + 3.0 * np.nan_to_num(code)).astype(np.float64)
        groups = train[self.group].map(lambda v: str(plain(v)))
        return pd.Series(code).groupby(groups.to_numpy()).transform("mean").to_numpy()

    def apply(self, edit: Edit) -> None:
        train = edit.frames["train"]
        leak = np.round(self._leak(edit, train), DECIMALS)
        carries = np.zeros(len(train), dtype=bool)
        carries[edit.choose(np.arange(len(train)), self.fraction)] = True
        values = np.where(carries, leak, edit.rng.choice(leak, size=len(train)))
        at = int(edit.rng.integers(1, len(train.columns) + 1))
        edit.add_column("train", self.name, values, at)
        if self.in_test == "shuffled":
            test = edit.frames["test"]
            edit.add_column("test", self.name, edit.rng.choice(leak, size=len(test)), min(at, len(test.columns)))
