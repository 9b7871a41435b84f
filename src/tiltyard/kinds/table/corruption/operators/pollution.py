"""Numbers written as text: thousands separators (1,234), currency ($12.50), unit suffixes
(70 kg) and decimal commas (12,5): a number column that no longer reads as numbers."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.numeric import decimals_of, is_integer_column
from tiltyard.kinds.table.corruption.operator import Operator
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import numbers
from tiltyard.kinds.table.corruption.values import plain

Style = Literal["thousands", "currency", "unit", "decimal_comma"]
STYLES: tuple[Style, ...] = ("thousands", "currency", "unit", "decimal_comma")


def polluted(value: float, style: Style, decimals: int, currency: str, unit: str) -> str | None:
    """The number written in ``style``, or None when that style would not show on it."""
    plain_text = f"{value:.{decimals}f}"
    if style == "thousands":
        return f"{value:,.{decimals}f}" if abs(value) >= 1000 else None
    if style == "currency":
        return f"{currency}{plain_text}"
    if style == "unit":
        return f"{plain_text} {unit}"
    return plain_text.replace(".", ",") if "." in plain_text else None


@register
class TypePollution(Operator):
    op = "type_pollution"
    lesson = "schemas-and-coercion"
    accepts = ("numeric",)

    styles: list[Style] = Field(default_factory=lambda: list(STYLES),
                                description='a list of "thousands", "currency", "unit", "decimal_comma"')
    currency: str = Field(default="$", description='the currency sign ("$", "€")')
    unit: str = Field(default="kg", description='the unit suffix ("kg", "km")')

    def describe(self) -> str:
        return (f"About {self.share()} of the numbers in {self.names()} in {self.where()} are written as text "
                f"({', '.join(s.replace('_', ' ') for s in self.styles)}).")

    def apply(self, edit: Edit) -> None:
        for column in self.columns:
            combined = pd.concat([edit.frames[s][column] for s in self.touched_splits], ignore_index=True)
            decimals = 0 if is_integer_column(combined) else max(decimals_of(combined), 1)
            for split in self.touched_splits:
                frame = edit.frames[split]
                rows = numbers(frame, column)
                cells = frame[column].to_numpy(dtype=object)
                options = {i: [t for s in self.styles
                               if (t := polluted(plain(cells[i]), s, decimals, self.currency, self.unit))]
                           for i in rows}
                chosen = edit.choose(rows[[bool(options[i]) for i in rows]], self.fraction)
                new = [options[i][int(edit.rng.integers(len(options[i])))] for i in chosen]
                edit.set_cells(split, chosen, column, new)
