"""How an author's rows are cut into train and test: ``random``, ``stratified`` (on the
target's classes), ``time:COLUMN`` (the latest rows are the test) or ``group:COLUMN`` (no group
on both sides); and the refusal of a dataset too small for the fractions asked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiltyard.authoring.spec import AuthoringError, SplitSection
from tiltyard.challenges.manifest import Task
from tiltyard.kinds.table.builder import random_test_mask

MIN_TRAIN_ROWS = 50
MIN_SCORED_ROWS = 30  # as the checker's size limits: each half of the test grades this many


def planned_sizes(rows: int, split: SplitSection) -> tuple[int, int, int]:
    test = int(round(split.test_fraction * rows))
    public = int(round(split.public_fraction * test))
    return rows - test, public, test - public


def check_size(rows: int, split: SplitSection) -> None:
    train, public, private = planned_sizes(rows, split)
    if train >= MIN_TRAIN_ROWS and min(public, private) >= MIN_SCORED_ROWS:
        return
    need = int(np.ceil(max(MIN_SCORED_ROWS / (split.test_fraction * min(split.public_fraction,
                                                                          1 - split.public_fraction)),
                           MIN_TRAIN_ROWS / (1 - split.test_fraction))))
    raise AuthoringError("The data are too small to split with the fractions asked",
                         expected=f"at least {MIN_TRAIN_ROWS} train rows and {MIN_SCORED_ROWS} rows in "
                                  "each of the public and the private part of the test",
                         got=f"{rows} rows: {train} train, {public} public, {private} private "
                             f"(test_fraction {split.test_fraction}, public_fraction {split.public_fraction})",
                         hint=f"Use at least {need} rows, or raise [split] test_fraction")


def test_mask(frame: pd.DataFrame, split: SplitSection, task: Task, seed) -> np.ndarray:
    kind, column = split.kind, split.column
    if kind == "random":
        return random_test_mask(frame, fraction=split.test_fraction, seed=seed)
    if kind == "stratified":
        return random_test_mask(frame, fraction=split.test_fraction, seed=seed, stratify=task.target)
    if column not in frame:
        from tiltyard.errors import did_you_mean

        raise AuthoringError(f"The split names a column the data do not have: {column!r}",
                             expected="one of " + ", ".join(map(str, frame.columns[:12])), got=repr(column),
                             hint=did_you_mean(column, map(str, frame.columns)) or "Fix [split] method")
    values = frame[column]
    if kind == "time":
        order = pd.to_datetime(values, errors="coerce") if values.dtype == object else values
        cutoff = order.sort_values(kind="stable").iloc[int(round((1 - split.test_fraction) * len(frame)))]
        return (order >= cutoff).to_numpy()
    groups = pd.Series(values.astype(str).unique())
    counts = values.astype(str).value_counts()
    picked, total = set(), 0
    for group in groups.iloc[np.random.default_rng(seed).permutation(len(groups))]:
        if total >= split.test_fraction * len(frame):
            break
        picked.add(group)
        total += counts[group]
    return values.astype(str).isin(picked).to_numpy()


def describe(split: SplitSection, task: Task) -> str:
    if split.description:
        return split.description
    share = f"{1 - split.test_fraction:.0%}/{split.test_fraction:.0%}"
    return {"random": f"A seeded random {share} split of the rows.",
            "stratified": f"A seeded random {share} split of the rows, stratified on {task.target}, so "
                          "train and test keep each class's share.",
            "time": f"A time split on {split.column}: the latest {split.test_fraction:.0%} of the rows are "
                    "the test set, as a model put into service meets the future.",
            "group": f"A group split on {split.column}: each {split.column} is wholly in train or wholly in "
                     f"test (about {split.test_fraction:.0%} of the rows), so no group is seen on both sides."
            }[split.kind]


def method_name(split: SplitSection) -> str:
    return {"random": "random", "stratified": "stratified random", "time": "time", "group": "group"}[split.kind]
