"""A small clean table, and for every corruption operator: an example step, how many cells or
rows it must change, and a simple detector that finds its damage in the files a learner gets."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.challenges.manifest import Task
from tiltyard.kinds.table.corruption import apply_recipe, parse_recipe, write_public_files
from tiltyard.kinds.table.corruption.edit import count_for

ROWS, TEST_ROWS = 240, 80
CITIES = ["New York", "Boston", "San Francisco", "Zürich", "São Paulo"]
COLUMNS = {"age": "numeric", "fare": "numeric", "weight": "numeric", "height": "numeric",
           "city": "categorical", "name": "text", "joined": "datetime", "member": "boolean",
           "survived": "categorical"}
BINARY = Task(type="binary", target="survived", id_column="passenger", classes=["no", "yes"],
              positive_label="yes")
REGRESSION = Task(type="regression", target="fare", id_column="passenger")
TASKS = {"binary": BINARY, "regression": REGRESSION}


def clean_table(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 80, ROWS)
    fare = np.round(rng.gamma(2.0, 20.0, ROWS), 2)
    frame = pd.DataFrame({
        "passenger": rng.permutation(ROWS) + 1,
        "age": age,
        "fare": fare,
        "weight": np.round(rng.normal(70, 12, ROWS), 1),
        "height": np.round(rng.normal(170, 10, ROWS), 1),
        "city": rng.choice(CITIES, ROWS),
        "name": [f"{first} {last}" for first, last in zip(rng.choice(["Anna", "José", "Li", "Omar"], ROWS),
                                                           rng.choice(["Müller", "Smith", "Dubois"], ROWS))],
        "joined": pd.Series(pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 900, ROWS), "D"))
        .dt.strftime("%Y-%m-%d"),
        "member": rng.random(ROWS) < 0.4,
    })
    logit = 0.04 * (40 - age) + 0.02 * (fare - 40)
    frame["survived"] = np.where(rng.random(ROWS) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame.loc[rng.random(ROWS) < 0.05, "age"] = np.nan  # a few real gaps: damage must skip them
    return frame


def clean_splits(seed: int = 0) -> dict[str, pd.DataFrame]:
    """As a builder would hand them over: written and read back as CSV."""
    frame = clean_table(seed)
    splits = {"train": frame.iloc[:-TEST_ROWS], "test": frame.iloc[-TEST_ROWS:]}
    return {k: pd.read_csv(io.StringIO(v.to_csv(index=False))) for k, v in splits.items()}


def read_public(folder: Path, encoding: str = "utf-8") -> dict[str, pd.DataFrame]:
    return {s: pd.read_csv(folder / f"{s}.csv", encoding=encoding) for s in ("train", "test")}


def corrupt(steps: list[dict], seed: int = 7, task: Task = BINARY, splits=None):
    recipe = parse_recipe(steps, COLUMNS, task)
    return apply_recipe(recipe, splits or clean_splits(), seed)


def files(corrupted, folder: Path) -> dict[str, bytes]:
    paths = write_public_files(corrupted, folder)
    return {k: p.read_bytes() for k, p in paths.items()}


def present(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].notna().sum())


@dataclass(frozen=True)
class Case:
    step: dict
    expected: Callable[[dict[str, pd.DataFrame], float], dict[tuple[str, str], int]]
    """(split, column or "rows+"/"rows-") -> how many cells change, or rows are added/removed."""
    detect: Callable[[Path], bool]
    """Finds the damage in the public files of a folder (and not in the clean ones)."""
    task: str = "binary"

    @property
    def the_task(self) -> Task:
        return TASKS[self.task]

    @property
    def op(self) -> str:
        return self.step["op"]


def per_cell(columns, splits=("train", "test"), eligible=present):
    return lambda clean, fraction: {(s, c): count_for(fraction, eligible(clean[s], c))
                                    for s in splits for c in columns}


def _to_numeric_fails(column):
    def detect(folder):
        train = read_public(folder)["train"]
        return pd.to_numeric(train[column], errors="coerce").isna().sum() > train[column].isna().sum()
    return detect


def _sentinel(column, token):
    return lambda folder: (read_public(folder)["train"][column] == token).any()


def _spellings(column):
    """More distinct spellings than distinct values once case and spaces are folded."""
    def detect(folder):
        values = read_public(folder)["train"][column].dropna()
        folded = values.str.strip().str.lower().str.replace(r"[\s_-]+", " ", regex=True)
        return values.nunique() > folded.nunique()
    return detect


def _close_pairs(column):
    """Values one edit apart from a far more frequent value (difflib's ratio >= 0.8)."""
    import difflib

    def detect(folder):
        counts = read_public(folder)["train"][column].value_counts()
        common = [v for v, n in counts.items() if n >= 10]
        rare = [v for v, n in counts.items() if n < 10]
        return any(difflib.get_close_matches(v, common, n=1, cutoff=0.8) for v in rare)
    return detect


def _exact_duplicates(folder):
    train = read_public(folder)["train"]
    return train.drop(columns=["passenger"]).duplicated().any()


def _near_duplicates(folder):
    train = read_public(folder)["train"]
    return train.drop(columns=["passenger", "fare"]).duplicated().any()


def _shared_rows(folder):
    public = read_public(folder)
    features = [c for c in public["test"].columns if c != "passenger"]
    merged = public["test"][features].merge(public["train"][features].drop_duplicates(), how="inner")
    return len(merged) > 0


CASES: dict[str, Case] = {
    "missing": Case({"op": "missing", "columns": ["age", "city"], "fraction": 0.2, "mechanism": "mnar",
                     "token": -999}, per_cell(["age", "city"]), _sentinel("age", -999)),
    "category_variants": Case({"op": "category_variants", "columns": ["city"], "fraction": 0.3},
                              per_cell(["city"]), _spellings("city")),
    "typos": Case({"op": "typos", "columns": ["city"], "fraction": 0.05}, per_cell(["city"]), _close_pairs("city")),
    "duplicates": Case({"op": "duplicates", "fraction": 0.1},
                       lambda clean, f: {("train", "rows+"): count_for(f, len(clean["train"]))}, _exact_duplicates),
    "duplicates-near": Case({"op": "duplicates", "fraction": 0.1, "near": True, "columns": ["fare"]},
                            lambda clean, f: {("train", "rows+"): count_for(f, len(clean["train"])),
                                              ("train", "fare"): count_for(f, len(clean["train"]))},
                            _near_duplicates),
    "duplicates-across": Case({"op": "duplicates", "fraction": 0.1, "across_splits": True},
                              lambda clean, f: {("test", "rows+"): count_for(f, len(clean["test"]))},
                              _shared_rows),
}
