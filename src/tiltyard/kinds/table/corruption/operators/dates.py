"""Dates written several ways in one column (2013-01-05, 05/01/2013, 01/05/2013, 5 Jan 2013)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from pydantic import Field

from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.operator import Operator, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import present
from tiltyard.kinds.table.corruption.values import plain

FORMATS = ["%d/%m/%Y", "%m/%d/%Y", "%d %b %Y", "%Y%m%d"]
PROBE = datetime(2013, 11, 28)  # a day above 12 tells day-first from month-first


def written(value, fmt: str) -> str:
    when = pd.Timestamp(value) if isinstance(value, pd.Timestamp) else pd.Timestamp(str(value))
    clock = "" if (when.hour, when.minute, when.second) == (0, 0, 0) else \
        " %H:%M" if when.second == 0 else " %H:%M:%S"
    return when.strftime(fmt + clock)


@register
class DateFormats(Operator):
    """Dates written in several formats in one column."""

    op = "date_formats"
    lesson = "parsing-dates"
    repairs = ('Parse every format explicitly (pd.to_datetime(format=...) per pattern); never let a parser guess '
               'day-first',
               'Check the parsed dates: none in the future, none before the data begins')
    accepts = ("datetime",)

    formats: list[str] = Field(default_factory=lambda: list(FORMATS),
                               description='strftime formats such as "%d/%m/%Y" (day, month and year each)')

    def check(self, schema: Schema) -> None:
        for fmt in self.formats:
            try:
                back = datetime.strptime(PROBE.strftime(fmt), fmt)
            except ValueError:
                back = None
            if back != PROBE:
                raise self.refuse("a format that loses the date", expected="a strftime format with day, month "
                                  'and year, such as "%d/%m/%Y"', got=repr(fmt),
                                  hint="Each format must write the whole date, so that it can be repaired")

    def describe(self) -> str:
        return (f"About {self.share()} of the dates in {self.names()} in {self.where()} are written in other "
                f"formats ({', '.join(self.formats)}).")

    def apply(self, edit: Edit) -> None:
        for split in self.touched_splits:
            frame = edit.frames[split]
            for column in self.columns:
                chosen = edit.choose(present(frame, column), self.fraction)
                old = frame[column].to_numpy(dtype=object)[chosen]
                new = []
                for value in old:
                    try:
                        options = [written(value, f) for f in self.formats]
                    except ValueError:
                        raise self.refuse(f"{column!r} holds a value that is not a date",
                                          expected="dates such as 2013-01-05 in the clean data",
                                          got=repr(plain(value)), hint=f"Repair the clean {column!r}, or declare "
                                          "it as text under [columns]") from None
                    options = [o for o in options if o != str(plain(value))] or options
                    new.append(options[int(edit.rng.integers(len(options)))])
                edit.set_cells(split, chosen, column, new)
