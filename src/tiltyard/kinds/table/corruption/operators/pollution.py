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
ALWAYS_SHOWS = {"currency", "unit"}  # every number shows these; thousands and decimal commas not


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
    """Numbers written as text: thousands separators, currency, units, decimal commas."""

    op = "type_pollution"
    lesson = "schemas-and-coercion"
    repairs = ('Strip currency signs, unit suffixes and thousands separators, turn decimal commas into points, then '
               'pd.to_numeric',
               "Declare each column's type and check it after reading, so that text in a number column fails loudly")
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
                if not set(self.styles) & ALWAYS_SHOWS:  # some numbers show no damage in these styles
                    rows = rows[[bool(self._written(cells[i], decimals)) for i in rows]]
                chosen = edit.choose(rows, self.fraction)
                new = []
                for i in chosen:
                    written = self._written(cells[i], decimals)
                    new.append(written[int(edit.rng.integers(len(written)))])
                edit.set_cells(split, chosen, column, new)

    def _written(self, value, decimals: int) -> list[str]:
        """The ways this number can be written in the step's styles."""
        return [text for style in self.styles
                if (text := polluted(plain(value), style, decimals, self.currency, self.unit))]
