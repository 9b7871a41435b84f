"""Duplicate rows: exact copies or near copies (a few cells nudged), within a split or copied
from train into test (the same record on both sides of the split)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from tiltyard.kinds.table.corruption.edit import Edit, count_for
from tiltyard.kinds.table.corruption.numeric import changed, decimals_of, is_integer_column, spread
from tiltyard.kinds.table.corruption.operator import Operator, Schema, Split
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.values import is_number, plain

NUDGE = 0.01  # a near copy's numbers move by about 1% of the column's spread


def new_ids(edit: Edit, count: int) -> list:
    """Ids no row has, in random order: integers after the largest id, or random text ids."""
    ids = pd.concat([f[edit.id_column] for f in edit.frames.values()], ignore_index=True)
    if pd.api.types.is_integer_dtype(ids.dtype):
        return (int(ids.max()) + 1 + edit.rng.permutation(count)).tolist()
    taken = set(ids.astype(str))
    fresh: list[str] = []
    while len(fresh) < count:
        candidate = "".join(edit.rng.choice(list("0123456789abcdef"), size=10))
        if candidate not in taken:
            taken.add(candidate)
            fresh.append(candidate)
    return fresh


def nudger(column: pd.Series):
    """Nudges one value of ``column``: a number by about 1% of the column's spread, written as
    the column writes it; text by its case or a trailing space."""
    scale, decimals, integer = NUDGE * spread(column), decimals_of(column), is_integer_column(column)

    def nudge(value, rng: np.random.Generator):
        value = plain(value)
        if is_number(value):
            return changed(value, value + rng.normal(0, scale), decimals, integer, rng)
        if isinstance(value, str):
            return value.lower() if value != value.lower() else f"{value} "
        return value
    return nudge


@register
class Duplicates(Operator):
    """Exact or near copies of rows, within a split or from train into test."""

    op = "duplicates"
    lesson = "duplicates-and-validation"
    repairs = ('Find copies with duplicated() on the feature columns (round numbers first for near copies)',
               'Keep the copies of one record in one fold: GroupKFold with a key made of the duplicated columns')
    accepts = ("numeric", "categorical", "text")
    column_count = (0, None)
    default_splits = ("train",)

    near: bool = Field(default=False, description="true for near copies (the listed columns nudged)")
    across_splits: bool = Field(default=False, description="true to copy training rows into the test data")

    @property
    def touched_splits(self) -> tuple[Split, ...]:
        return ("test",) if self.across_splits else super().touched_splits

    def check(self, schema: Schema) -> None:
        if self.near and not self.columns:
            raise self.refuse("near copies need the columns to nudge", expected="columns = [...] with 1+ names",
                              got="no columns", hint="List the columns whose values differ between copies")
        if not self.near and self.columns:
            raise self.refuse("exact copies change no column", expected="columns = [] (or near = true)",
                              got=f"columns = {self.columns}", hint="Remove columns, or set near = true")
        if self.across_splits and self.splits is not None:
            raise self.refuse("copies across splits always go from train into test",
                              expected="no splits", got=f"splits = {self.splits}", hint="Remove splits")

    def describe(self) -> str:
        kind = "near copies (" + self.names() + " slightly changed)" if self.near else "exact copies"
        if self.across_splits:
            return f"About {self.share()} of the test rows are {kind} of training rows."
        return f"About {self.share()} more rows in {self.where()} are {kind} of other rows."

    def apply(self, edit: Edit) -> None:
        for split in self.touched_splits:
            source = edit.frames["train" if self.across_splits else split]
            count = count_for(self.fraction, len(edit.frames[split]))
            if count == 0:
                continue
            picked = np.sort(edit.rng.choice(len(source), size=count, replace=count > len(source)))
            copies = source.iloc[picked].copy().reset_index(drop=True)
            copies[edit.id_column] = new_ids(edit, count)
            positions = np.sort(edit.rng.choice(len(edit.frames[split]) + count, size=count, replace=False))
            edit.add_rows(split, copies, positions)
            for column in self.columns:
                frame = edit.frames[split]
                cells = frame[column].to_numpy(dtype=object)[positions]
                nudge = nudger(frame[column])
                edit.set_cells(split, positions, column, [nudge(v, edit.rng) for v in cells])
