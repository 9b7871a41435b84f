"""Two columns whose values trade places in some rows (height written into weight)."""

from __future__ import annotations

import numpy as np

from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.operator import Operator, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import present
from tiltyard.kinds.table.corruption.values import encode


@register
class SwapColumns(Operator):
    """Two columns that hold each other's values in some rows."""

    op = "swap_columns"
    lesson = "units-and-plausibility"
    repairs = ("Look for rows where one column holds the other's range of values (weight > height)",
               'Swap them back where the ranges say so, in train and test alike')
    accepts = ("numeric", "categorical", "text")
    column_count = (2, 2)

    def check(self, schema: Schema) -> None:
        first, second = (schema.columns[c] for c in self.columns)
        if first != second:
            raise self.refuse("only columns of one type can swap values", expected="two columns of the same type",
                              got=f"{self.columns[0]!r} is {first}, {self.columns[1]!r} is {second}",
                              hint="Pick two numeric (or two text) columns")
        if self.columns[0] == self.columns[1]:
            raise self.refuse("a column cannot swap with itself", expected="two different columns",
                              got=repr(self.columns), hint="Name two columns")

    def describe(self) -> str:
        return f"In about {self.share()} of the rows of {self.where()}, {self.names()} hold each other's values."

    def apply(self, edit: Edit) -> None:
        a, b = self.columns
        for split in self.touched_splits:
            frame = edit.frames[split]
            both = np.intersect1d(present(frame, a), present(frame, b))
            first, second = frame[a].to_numpy(dtype=object), frame[b].to_numpy(dtype=object)
            differ = both[[encode(first[i]) != encode(second[i]) for i in both]]
            chosen = edit.choose(differ, self.fraction)
            edit.set_cells(split, chosen, a, second[chosen])
            edit.set_cells(split, chosen, b, first[chosen])
