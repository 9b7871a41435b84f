"""Missing values: completely at random, at random given another column, or not at random
(the value itself decides), written as empty cells or disguised as a token (-999, "?", 0)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from tiltyard.errors import did_you_mean
from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.operator import ALL_TYPES, Operator, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import leaning, present
from tiltyard.kinds.table.corruption.values import encode


@register
class Missing(Operator):
    """Values missing at random, given another column or given themselves; empty or disguised as a token."""

    op = "missing"
    lesson = "disguised-missing-values"
    repairs = ('Look for values that stand for "unknown" (-999, "?", 0, "NA") with value_counts(), and turn them into '
               'NaN (pd.read_csv(na_values=[...]))',
               'Then impute inside the pipeline with an indicator: SimpleImputer(add_indicator=True)')
    accepts = ALL_TYPES

    mechanism: Literal["mcar", "mar", "mnar"] = Field(
        default="mcar", description='"mcar" (at random), "mar" (given another column) or "mnar" (given the value)')
    given: str | None = Field(default=None, description="the column that makes a value more likely missing (mar)")
    direction: Literal["high", "low"] = Field(default="high", description='"high" or "low": which values go missing')
    strength: float = Field(default=3.0, gt=0, description="how strongly missingness leans (a number above 0)")
    token: int | float | str | None = Field(default=None, description='a disguise such as -999, "?" or 0')

    def check(self, schema: Schema) -> None:
        if self.mechanism == "mar" and self.given is None:
            raise self.refuse("missing at random (mar) needs the column it depends on",
                              expected='given = "a column name"', got="no given",
                              hint='Add given = "COLUMN", or use mechanism = "mcar"')
        if self.mechanism != "mar" and self.given is not None:
            raise self.refuse(f"given is read only by mechanism = \"mar\", not {self.mechanism!r}",
                              expected='mechanism = "mar"', got=f"given = {self.given!r}",
                              hint='Remove given, or set mechanism = "mar"')
        if self.given is not None and self.given not in schema.columns:
            raise self.refuse("given names an unknown column", expected="one of " + ", ".join(schema.columns),
                              got=repr(self.given), hint=did_you_mean(self.given, schema.columns)
                              or "Check the column names")
        if self.given in self.columns:
            raise self.refuse("given is one of the columns made missing", expected="another column",
                              got=repr(self.given), hint='For missingness that depends on the value, use "mnar"')

    def describe(self) -> str:
        why = {"mcar": "at random",
               "mar": f"more often when `{self.given}` is {self.direction}",
               "mnar": f"more often when the value itself is {self.direction}"}[self.mechanism]
        how = "" if self.token is None else f", written as {encode(self.token)} instead of an empty cell"
        return f"About {self.share()} of the values of {self.names()} in {self.where()} are missing, {why}{how}."

    def apply(self, edit: Edit) -> None:
        disguise = np.nan if self.token is None else self.token
        for column in self.columns:
            weights = self._weights(edit, column)
            for split in self.touched_splits:
                frame = edit.frames[split]
                eligible = present(frame, column)
                if self.token is not None:
                    eligible = eligible[[encode(v) != encode(self.token) and v != self.token
                                         for v in frame[column].to_numpy(dtype=object)[eligible]]]
                chosen = edit.choose(eligible, self.fraction, None if weights is None else weights[split][eligible])
                edit.set_cells(split, chosen, column, [disguise] * chosen.size)

    def _weights(self, edit: Edit, column: str) -> dict[str, np.ndarray] | None:
        """One weight per row of each split, drawn over the splits together so that the same
        value leans the same way in train and test."""
        if self.mechanism == "mcar":
            return None
        by = self.given if self.mechanism == "mar" else column
        splits = self.touched_splits
        values = pd.concat([edit.frames[s][by] for s in splits], ignore_index=True)
        weights = leaning(values, direction=self.direction, strength=self.strength, rng=edit.rng)
        edges = np.cumsum([0] + [len(edit.frames[s]) for s in splits])
        return {s: weights[edges[i]:edges[i + 1]] for i, s in enumerate(splits)}
