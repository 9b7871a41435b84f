"""Encoding damage: text decoded with the wrong table (Zürich -> ZÃ¼rich), or a whole file
written in Windows-1252 instead of UTF-8 (what cp1252 cannot hold becomes "?")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.operator import STRINGS, Operator, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import strings
from tiltyard.kinds.table.corruption.values import plain

CP1252 = "cp1252"


def mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (bytes it leaves undefined read as Latin-1, as browsers do)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode(CP1252))
        except UnicodeDecodeError:
            out.append(bytes([byte]).decode("latin-1"))
    return "".join(out)


def cp1252_safe(text: str) -> str:
    return text.encode(CP1252, errors="replace").decode(CP1252)


@register
class Encoding(Operator):
    """Mojibake in text cells, or whole files written in Windows-1252."""

    op = "encoding"
    lesson = "reading-encodings"
    repairs = ('Read the file in its encoding (pd.read_csv(encoding="cp1252")) when UTF-8 fails',
               'Repair mojibake: text.encode("cp1252").decode("utf-8") turns "ZÃ¼rich" back into "Zürich"')
    accepts = STRINGS
    column_count = (0, None)

    mode: Literal["mojibake", "cp1252_file"] = Field(
        default="mojibake", description='"mojibake" (cells garbled) or "cp1252_file" (the whole file re-encoded)')
    fraction: float = Field(default=1.0, ge=0, le=1, description="a number between 0 and 1")

    def touched_columns(self, schema: Schema) -> list[str]:
        if self.mode == "mojibake":
            return list(self.columns)
        return [c for c in schema.columns if c not in (schema.id_column, schema.target)]

    def check(self, schema: Schema) -> None:
        if self.mode == "mojibake" and not self.columns:
            raise self.refuse("mojibake needs the columns it garbles", expected="columns = [...] with 1+ names",
                              got="no columns", hint='List text columns, or set mode = "cp1252_file"')
        if self.mode == "cp1252_file" and (self.columns or self.fraction != 1.0):
            raise self.refuse("a file is re-encoded whole", expected="no columns and fraction = 1",
                              got=f"columns = {self.columns}, fraction = {self.fraction}",
                              hint="Remove columns and fraction from this step")

    def describe(self) -> str:
        if self.mode == "cp1252_file":
            files = " and ".join(f"`{s}.csv`" for s in self.touched_splits)
            return f"{files} {'is' if len(self.touched_splits) == 1 else 'are'} written in Windows-1252, not UTF-8."
        return (f"About {self.share()} of the accented text in {self.names()} in {self.where()} was decoded with "
                "the wrong character table (mojibake).")

    def apply(self, edit: Edit) -> None:
        for split in self.touched_splits:
            frame = edit.frames[split]
            if self.mode == "cp1252_file":
                edit.encodings[split] = CP1252
                for column in [c for c in frame.columns if c not in (edit.id_column, edit.target)]:
                    cells = frame[column].to_numpy(dtype=object)
                    rows = [i for i in strings(frame, column) if cp1252_safe(cells[i]) != cells[i]]
                    edit.set_cells(split, rows, column, [cp1252_safe(cells[i]) for i in rows])
                continue
            for column in self.columns:
                rows = strings(frame, column)
                accented = rows[[not str(plain(v)).isascii() for v in frame[column].to_numpy(dtype=object)[rows]]]
                chosen = edit.choose(accented, self.fraction)
                old = frame[column].to_numpy(dtype=object)[chosen]
                edit.set_cells(split, chosen, column, [mojibake(v) for v in old])

