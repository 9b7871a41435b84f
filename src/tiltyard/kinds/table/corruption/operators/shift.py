"""Shift between train and test: a sample selected on a column (rows of one end left out),
or a drift of a column's values."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.numeric import changed, decimals_of, is_integer_column, spread
from tiltyard.kinds.table.corruption.operator import Operator, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import leaning, numbers
from tiltyard.kinds.table.corruption.values import plain


@register
class Shift(Operator):
    """Train and test apart: a sample selected on a column, or a column's values drifted."""

    op = "shift"
    lesson = "train-test-shift"
    repairs = ("Compare each column's distribution in train and test (adversarial validation)",
               'Weight training rows like the test rows, or use features whose meaning does not move')
    accepts = ("numeric", "categorical")
    column_count = (1, 1)
    default_splits = ("test",)

    kind: Literal["selection", "drift"] = Field(
        default="selection", description='"selection" (rows left out by value) or "drift" (values moved)')
    direction: Literal["high", "low"] = Field(
        default="high", description='"high" or "low": the end left out (selection) or the way values move (drift)')
    strength: float = Field(default=3.0, gt=0, description="how strongly selection leans (a number above 0)")
    offset: float = Field(default=0.5, gt=0, description="how far drift moves values, in column spreads")

    def touched_columns(self, schema: Schema) -> list[str]:
        return list(self.columns) if self.kind == "drift" else []

    def check(self, schema: Schema) -> None:
        if self.kind == "drift" and schema.columns[self.columns[0]] != "numeric":
            raise self.refuse("only numbers drift", expected="a numeric column",
                              got=f"{self.columns[0]!r}, declared {schema.columns[self.columns[0]]}",
                              hint='Use kind = "selection" for a category column')

    def describe(self) -> str:
        column = self.names()
        if self.kind == "drift":
            return (f"In {self.where()}, about {self.share()} of the values of {column} moved "
                    f"{'up' if self.direction == 'high' else 'down'} by about {self.offset:g} of its spread.")
        return (f"In {self.where()}, about {self.share()} of the rows were left out, mostly those with "
                f"{'high' if self.direction == 'high' else 'low'} {column}: it is a selected sample.")

    def apply(self, edit: Edit) -> None:
        column = self.columns[0]
        combined = pd.concat([edit.frames[s][column] for s in self.touched_splits], ignore_index=True)
        if self.kind == "drift":
            decimals, integer, scale = decimals_of(combined), is_integer_column(combined), spread(combined)
            step = self.offset * scale * (1 if self.direction == "high" else -1)
            for split in self.touched_splits:
                frame = edit.frames[split]
                chosen = edit.choose(numbers(frame, column), self.fraction)
                old = [plain(v) for v in frame[column].to_numpy(dtype=object)[chosen]]
                edit.set_cells(split, chosen, column, [changed(v, v + step, decimals, integer, edit.rng) for v in old])
            return
        weights = leaning(combined, direction=self.direction, strength=self.strength, rng=edit.rng)
        start = 0
        for split in self.touched_splits:
            frame = edit.frames[split]
            mine = weights[start:start + len(frame)]
            start += len(frame)
            edit.remove_rows(split, edit.choose(pd.RangeIndex(len(frame)).to_numpy(), self.fraction, mine))
