"""Text damage: one category written several ways (NY / New York / " new york") and typos."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.operator import STRINGS, Operator
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import strings
from tiltyard.kinds.table.corruption.values import plain

Style = Literal["case", "whitespace", "abbreviation", "separator"]
STYLES: tuple[Style, ...] = ("case", "whitespace", "abbreviation", "separator")
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def style_variants(value: str, style: Style) -> list[str]:
    words = value.split()
    if style == "case":
        found = [value.lower(), value.upper(), value.title()]
    elif style == "whitespace":
        found = [f" {value}", f"{value} ", value.replace(" ", "  ") if " " in value else f"{value}  "]
    elif style == "abbreviation":
        found = ["".join(w[0] for w in words).upper()] if len(words) > 1 else \
            [value[:3] + "."] if len(value) > 4 else []
    else:
        found = [value.replace(" ", "-"), value.replace(" ", "_")] if " " in value else []
    return [v for v in found if v != value]


def variants_for(value: str, styles, count: int, taken: set[str], rng: np.random.Generator) -> list[str]:
    """A few other spellings of ``value`` that no other value of the column already uses."""
    candidates = sorted({v for style in styles for v in style_variants(value, style)} - taken)
    if not candidates:
        candidates = [f" {value}"]
    return [candidates[i] for i in np.sort(rng.permutation(len(candidates))[:count])]


def neighbour(letter: str, rng: np.random.Generator) -> str:
    for row in KEYBOARD_ROWS:
        if letter.lower() in row:
            at = row.index(letter.lower())
            near = [row[i] for i in (at - 1, at + 1) if 0 <= i < len(row)]
            chosen = near[int(rng.integers(len(near)))]
            return chosen.upper() if letter.isupper() else chosen
    return letter


def typo(value: str, rng: np.random.Generator) -> str:
    """One slip of the keyboard: two letters swapped, one dropped, doubled, or a neighbour hit."""
    swaps = [i for i in range(len(value) - 1) if value[i] != value[i + 1]]
    letters = [i for i, c in enumerate(value) if c.isalpha()]
    edits = ["double"] + (["swap"] if swaps else []) + (["drop"] if len(value) > 2 else []) + \
        (["neighbour"] if letters else [])
    kind = edits[int(rng.integers(len(edits)))]
    if kind == "swap":
        i = swaps[int(rng.integers(len(swaps)))]
        return value[:i] + value[i + 1] + value[i] + value[i + 2:]
    if kind == "drop":
        i = int(rng.integers(len(value)))
        return value[:i] + value[i + 1:]
    if kind == "neighbour":
        i = letters[int(rng.integers(len(letters)))]
        replaced = value[:i] + neighbour(value[i], rng) + value[i + 1:]
        if replaced != value:
            return replaced
    i = int(rng.integers(len(value)))
    return value[:i + 1] + value[i] + value[i + 1:]


@register
class CategoryVariants(Operator):
    """One category spelt several ways: case, spaces, abbreviations, separators."""

    op = "category_variants"
    lesson = "category-variants"
    repairs = ('Normalise text before encoding it: .str.strip().str.lower(), one separator',
               'Map the remaining spellings onto the known categories (difflib.get_close_matches, or a table of '
               'aliases)')
    accepts = STRINGS

    styles: list[Style] = Field(default_factory=lambda: list(STYLES),
                                description='a list of "case", "whitespace", "abbreviation", "separator"')
    variants_per_value: int = Field(default=2, ge=1, le=5, description="how many spellings each value gets (1-5)")

    def describe(self) -> str:
        return (f"About {self.share()} of the values of {self.names()} in {self.where()} are spelt another way "
                "(case, spaces, abbreviations, separators): one category, several spellings.")

    def apply(self, edit: Edit) -> None:
        for column in self.columns:
            values = sorted({plain(v) for s in self.touched_splits
                             for v in edit.frames[s][column].to_numpy(dtype=object) if isinstance(plain(v), str)})
            taken = set(values)
            spellings = {v: variants_for(v, self.styles, self.variants_per_value, taken, edit.rng) for v in values}
            for split in self.touched_splits:
                frame = edit.frames[split]
                chosen = edit.choose(strings(frame, column), self.fraction)
                old = frame[column].to_numpy(dtype=object)[chosen]
                new = [spellings[v][int(edit.rng.integers(len(spellings[v])))] for v in old]
                edit.set_cells(split, chosen, column, new)


@register
class Typos(Operator):
    """One slip of the keyboard per value: letters swapped, dropped, doubled or mistyped."""

    op = "typos"
    lesson = "category-variants"
    repairs = ('Compare rare values with frequent ones (difflib.get_close_matches) and map the typos back',
               'Fit the mapping on train only, and apply the same mapping to test')
    accepts = STRINGS

    def describe(self) -> str:
        return f"About {self.share()} of the values of {self.names()} in {self.where()} carry a typo."

    def apply(self, edit: Edit) -> None:
        for split in self.touched_splits:
            frame = edit.frames[split]
            for column in self.columns:
                chosen = edit.choose(strings(frame, column), self.fraction)
                old = frame[column].to_numpy(dtype=object)[chosen]
                edit.set_cells(split, chosen, column, [typo(v, edit.rng) for v in old])
