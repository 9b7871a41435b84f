"""Damage to numbers: a unit change in a subgroup or a time window, noise, and outliers
(extreme, or impossible such as a negative age)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from tiltyard.errors import did_you_mean
from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.numeric import changed, decimals_of, is_integer_column, spread
from tiltyard.kinds.table.corruption.operator import Operator, RecipeError, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import numbers
from tiltyard.kinds.table.corruption.values import is_number, plain


def known_column(step: Operator, schema: Schema, name: str, parameter: str) -> None:
    if name not in schema.columns:
        raise step.refuse(f"{parameter} names an unknown column", expected="one of " + ", ".join(schema.columns),
                          got=repr(name), hint=did_you_mean(name, schema.columns) or "Check the column names")


class NumberOperator(Operator):
    """Shared by the operators that rewrite numbers: the column written as it writes itself."""

    accepts = ("numeric",)

    def rewrite(self, edit: Edit, rule, eligible=None) -> None:
        """Each chosen cell becomes ``rule(numbers, spread)(old, rng)``: the rule sees the
        column's numbers and spread once, then rewrites one value at a time."""
        for column in self.columns:
            combined = pd.concat([edit.frames[s][column] for s in self.touched_splits], ignore_index=True)
            decimals, integer, scale = decimals_of(combined), is_integer_column(combined), spread(combined)
            numbers_only = pd.to_numeric(combined.map(lambda v: plain(v) if is_number(v) else None),
                                         errors="coerce")
            for split in self.touched_splits:
                frame = edit.frames[split]
                rows = numbers(frame, column) if eligible is None else eligible(edit, split, column)
                chosen = edit.choose(rows, self.fraction)
                old = [plain(v) for v in frame[column].to_numpy(dtype=object)[chosen]]
                new_value = rule(numbers_only, scale)
                new = [changed(v, new_value(v, edit.rng), decimals, integer, edit.rng) for v in old]
                edit.set_cells(split, chosen, column, new)


@register
class UnitChange(NumberOperator):
    """Numbers in another unit for a subgroup, a time window or a random share of rows."""

    op = "unit_change"
    lesson = "units-and-plausibility"
    repairs = ('Plot the column by subgroup and over time: a unit change shows as a jump by a constant factor',
               'Convert the rows back (divide by the factor) where the jump starts, in train and test alike')

    factor: float = Field(description="the factor the other unit multiplies by (2.20462 for kg -> lb)")
    unit: str | None = Field(default=None, description='the other unit, for the brief ("pounds")')
    subgroup_column: str | None = Field(default=None, description="the column that names the subgroup")
    subgroup_values: list[int | float | str | bool] | None = Field(
        default=None, description="the values of subgroup_column whose rows use the other unit")
    window_column: str | None = Field(default=None, description="a datetime column bounding the time window")
    window_start: str | None = Field(default=None, description='the window\'s first day, "YYYY-MM-DD"')
    window_end: str | None = Field(default=None, description='the window\'s last day, "YYYY-MM-DD"')

    def check(self, schema: Schema) -> None:
        if self.factor in (0.0, 1.0):
            raise self.refuse("a factor of 0 or 1 is no unit change", expected="a factor such as 2.20462 or 1000",
                              got=repr(self.factor), hint="Write the factor that converts to the other unit")
        if (self.subgroup_column is None) != (self.subgroup_values is None):
            raise self.refuse("a subgroup needs both its column and its values",
                              expected="subgroup_column and subgroup_values together",
                              got=f"subgroup_column = {self.subgroup_column!r}, "
                                  f"subgroup_values = {self.subgroup_values!r}",
                              hint="Give both, or neither for a random share of all rows")
        if self.subgroup_column is not None:
            known_column(self, schema, self.subgroup_column, "subgroup_column")
        if self.window_column is None and (self.window_start or self.window_end):
            raise self.refuse("a time window needs its column", expected='window_column = "a datetime column"',
                              got="no window_column", hint="Name the date column that bounds the window")
        if self.window_column is not None:
            known_column(self, schema, self.window_column, "window_column")
            if schema.columns[self.window_column] != "datetime":
                raise self.refuse("window_column is not a datetime column", expected="a column declared datetime",
                                  got=f"{self.window_column!r}, declared {schema.columns[self.window_column]}",
                                  hint="Name a date column, or declare its type as datetime")
            for name in ("window_start", "window_end"):
                value = getattr(self, name)
                if value is not None and pd.isna(pd.to_datetime(value, errors="coerce", format="ISO8601")):
                    raise self.refuse(f"{name} is not a date", expected='a date such as "2013-06-01"',
                                      got=repr(value), hint=f"Write {name} as YYYY-MM-DD")

    def describe(self) -> str:
        unit = f"in {self.unit}" if self.unit else f"in another unit (times {self.factor:g})"
        who = []
        if self.subgroup_column:
            who.append(f"when `{self.subgroup_column}` is " + " or ".join(map(str, self.subgroup_values)))
        if self.window_column:
            who.append(f"when `{self.window_column}` falls between {self.window_start or 'the start'} and "
                       f"{self.window_end or 'the end'}")
        where = " " + " and ".join(who) if who else ""
        return f"About {self.share()} of the values of {self.names()}{where} in {self.where()} are written {unit}."

    def _rows(self, edit: Edit, split: str, column: str) -> np.ndarray:
        frame = edit.frames[split]
        keep = np.zeros(len(frame), dtype=bool)
        keep[numbers(frame, column)] = True
        if self.subgroup_column is not None:
            wanted = {str(v) for v in self.subgroup_values}
            keep &= frame[self.subgroup_column].map(lambda v: str(plain(v)) in wanted).to_numpy(dtype=bool)
        if self.window_column is not None:
            when = pd.to_datetime(frame[self.window_column], errors="coerce", format="mixed")
            if self.window_start:
                keep &= (when >= pd.Timestamp(self.window_start)).to_numpy(dtype=bool)
            if self.window_end:
                keep &= (when < pd.Timestamp(self.window_end) + pd.Timedelta(days=1)).to_numpy(dtype=bool)
        return np.flatnonzero(keep)

    def apply(self, edit: Edit) -> None:
        if all(self._rows(edit, s, c).size == 0 for s in self.touched_splits for c in self.columns):
            raise RecipeError(f"[[corrupt]] {self.op}: the subgroup or window selects no rows",
                              expected="at least one row in the subgroup or window",
                              got=f"subgroup {self.subgroup_values}, window {self.window_start}..{self.window_end}",
                              hint="Check the values against the data (author inspect lists them)")
        self.rewrite(edit, lambda numbers_only, scale: lambda v, rng: v * self.factor, self._rows)


@register
class NumericNoise(NumberOperator):
    """Measurement noise on numbers, written as the column writes them."""

    op = "numeric_noise"
    lesson = "units-and-plausibility"
    repairs = ('Use a model and features that are robust to noisy measurements (trees, binned or rounded values)',
               'Where two columns measure the same thing, check one against the other')

    scale: float = Field(default=0.1, gt=0, description="the noise's standard deviation, in column spreads")

    def describe(self) -> str:
        return (f"About {self.share()} of the values of {self.names()} in {self.where()} carry measurement noise "
                f"(about {self.scale:g} of the column's spread).")

    def apply(self, edit: Edit) -> None:
        self.rewrite(edit, lambda numbers_only, scale: lambda v, rng: v + rng.normal(0.0, self.scale * scale))


@register
class Outliers(NumberOperator):
    """Extreme values, or impossible ones such as a negative age."""

    op = "outliers"
    lesson = "units-and-plausibility"
    repairs = ('Check each number against what it measures (an age is not negative): set impossible values to NaN',
               'Clip or winsorise extreme values, or use a robust model (trees, HuberRegressor)')

    kind: Literal["extreme", "impossible"] = Field(default="extreme",
                                                   description='"extreme" (possible but far) or "impossible"')
    magnitude: float = Field(default=10.0, gt=0, description="how far an extreme value lies, in column spreads")
    value: int | float | None = Field(default=None, description="the impossible value to write (e.g. -1)")

    def check(self, schema: Schema) -> None:
        if self.value is not None and self.kind != "impossible":
            raise self.refuse("value is read only by impossible outliers", expected='kind = "impossible"',
                              got=f"kind = {self.kind!r}", hint='Set kind = "impossible", or remove value')

    def describe(self) -> str:
        what = "impossible values" if self.kind == "impossible" else "extreme values"
        return f"About {self.share()} of the values of {self.names()} in {self.where()} are {what}."

    def apply(self, edit: Edit) -> None:
        for column in self.columns:
            clean = pd.concat([edit.clean[s][column] for s in self.touched_splits], ignore_index=True)
            values = np.array([plain(v) for v in clean if isinstance(plain(v), (int, float))], dtype=float)
            if self.kind == "impossible" and self.value is None and values.size and values.min() < 0:
                raise self.refuse(f"{column!r} already holds negative numbers, so no value is impossible "
                                  "without knowing what it measures", expected="value = an impossible number",
                                  got="no value", hint="Add value = ... (e.g. 999 for a percentage)")
        self.rewrite(edit, self._outlier)

    @staticmethod
    def _centre(numbers_only: pd.Series) -> tuple[float, float]:
        """The median and the minimum of a column, computed once per column."""
        cached = numbers_only.attrs.get("centre")
        if cached is None:
            cached = numbers_only.attrs["centre"] = (float(numbers_only.median()), float(numbers_only.min()))
        return cached

    def _outlier(self, numbers_only: pd.Series, scale: float):
        if self.kind == "impossible":
            return lambda v, rng: self.value if self.value is not None else -max(abs(v), 1)
        middle, lowest = float(numbers_only.median()), float(numbers_only.min())

        def extreme(v, rng):
            sign = 1.0 if lowest >= 0 or rng.random() < 0.5 else -1.0
            return middle + sign * self.magnitude * scale * (1 + rng.random())
        return extreme
