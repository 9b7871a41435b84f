"""Damage to the training labels: some flipped (label noise), or one class made rare
(imbalance). Test labels are the answers: they are never touched."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from tiltyard.errors import did_you_mean
from tiltyard.kinds.table.corruption.edit import Edit
from tiltyard.kinds.table.corruption.operator import Operator, Schema
from tiltyard.kinds.table.corruption.registry import register
from tiltyard.kinds.table.corruption.select import present
from tiltyard.kinds.table.corruption.values import plain


class LabelOperator(Operator):
    column_count = (0, 0)
    allowed_splits = ("train",)
    default_splits = ("train",)
    touches_target = True

    def needs_classes(self, schema: Schema, label: str | None, parameter: str) -> None:
        if not schema.classification:
            raise self.refuse(f"{self.op} needs classes, and a regression target has none",
                              expected="a binary or multiclass task", got=f"a regression target {schema.target!r}",
                              hint="For a regression target, corrupt the features (numeric_noise, outliers) instead")
        if label is not None and label not in schema.task.classes:
            raise self.refuse(f"{parameter} is not one of the classes",
                              expected="one of " + ", ".join(schema.task.classes), got=repr(label),
                              hint=did_you_mean(label, schema.task.classes) or "Name one of the task's classes")


@register
class LabelNoise(LabelOperator):
    """Wrong training labels: any other class, or all towards one."""

    op = "label_noise"
    lesson = "label-errors"
    repairs = ('Find labels that cross-validated predictions confidently disagree with, and down-weight or drop them '
               'in training',
               'Prefer models and losses that are robust to label noise (regularise more, stop earlier)')

    towards: str | None = Field(default=None, description="the class that wrong labels all say (default: any other)")

    def touched_columns(self, schema: Schema) -> list[str]:
        return [schema.target]

    def check(self, schema: Schema) -> None:
        self.needs_classes(schema, self.towards, "towards")

    def describe(self) -> str:
        wrong = f"say {self.towards!r} when they should not" if self.towards else "are wrong"
        return f"About {self.share()} of the training labels {wrong}; the test answers are right."

    def apply(self, edit: Edit) -> None:
        frame = edit.frames["train"]
        labels = frame[edit.target].to_numpy(dtype=object)
        classes = sorted({plain(v) for v in labels[present(frame, edit.target)]}, key=str)
        rows = present(frame, edit.target)
        if self.towards is not None:
            rows = rows[[str(plain(labels[i])) != self.towards for i in rows]]
        chosen = edit.choose(rows, self.fraction)
        new = []
        for label in labels[chosen]:
            if self.towards is not None:
                new.append(next((c for c in classes if str(c) == self.towards), self.towards))
            else:
                others = [c for c in classes if c != plain(label)]
                new.append(others[int(edit.rng.integers(len(others)))])
        edit.set_cells("train", chosen, edit.target, new)


@register
class Imbalance(LabelOperator):
    """Training rows of one class left out, so that it is rare."""

    op = "imbalance"
    lesson = "class-imbalance"
    repairs = ('Weight the classes (class_weight="balanced") or resample the training rows',
               'Judge with a metric that sees every class, and move the decision threshold')

    label: str | None = Field(default=None, description="the class made rare (default: the rarest already)")

    def touched_columns(self, schema: Schema) -> list[str]:
        return []

    def check(self, schema: Schema) -> None:
        self.needs_classes(schema, self.label, "label")

    def describe(self) -> str:
        which = f"{self.label!r}" if self.label else "the rarest class"
        return f"About {self.share()} of the training rows of {which} were left out, so it is rarer than in the test."

    def apply(self, edit: Edit) -> None:
        frame = edit.frames["train"]
        labels = frame[edit.target].map(lambda v: str(plain(v)))
        rare = self.label if self.label is not None else \
            sorted(labels.value_counts().items(), key=lambda kv: (kv[1], kv[0]))[0][0]
        rows = np.flatnonzero((labels == rare).to_numpy(dtype=bool) & pd.notna(frame[edit.target]).to_numpy())
        edit.remove_rows("train", edit.choose(rows, self.fraction))
