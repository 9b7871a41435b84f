"""A messy challenge: the public files corrupted by a recipe, the clean copy, the log and the
recipe sealed, and two sealed rungs that price the mess: *naive* (the ladder's best rung on
the messy files, with the minimal handling the ladder gives any table) and *clean oracle* (the
same rung trained and predicting on the clean data).

Build and replay go the same way, clean copy on disk -> read back -> apply -> bytes, so
``tiltyard check`` reproduces the public files byte for byte from the sealed copy and the seed.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import tomli_w

if TYPE_CHECKING:
    from tiltyard.kinds.table.corruption.recipe import Recipe

from tiltyard.challenges.bundle import Bundle, write_csv
from tiltyard.challenges.manifest import BaselineEntry, Column
from tiltyard.kinds.table.baselines import ladder, numbers_from_text, predict_for_metric
from tiltyard.kinds.table.cleaning import CLEANING
from tiltyard.metrics import Metric

CLEAN = "clean"  # sealed/clean/train.csv and test.csv (with its target)
LOG = "corruption_log.parquet"
RECIPE = "recipe.toml"

NAIVE, ORACLE = "cleaning/naive.csv", "cleaning/oracle.csv"
PREDICTION_DECIMALS = 6


@dataclass(frozen=True)
class MessySplits:
    clean_train: pd.DataFrame
    clean_test: pd.DataFrame  # with its target
    public_train: pd.DataFrame  # as a learner's pandas reads the file
    public_test: pd.DataFrame  # features only
    answers: pd.DataFrame  # id and target of every public test row


def corruption_seed(seed) -> int:
    """An int for the recipe's streams: the spec's seed, or one drawn from an instance's stream."""
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1)[0])
    return int(seed)


def read_public_csv(path: Path) -> pd.DataFrame:
    """A public file as a careful learner reads it: UTF-8, else Windows-1252 (the encoding
    operator writes files in it)."""
    try:
        return pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        return pd.read_csv(path, encoding="cp1252")


def write_messy_files(recipe: Recipe, staging: Path, train: pd.DataFrame, test: pd.DataFrame,
                      seed, column_types: dict[str, str]) -> MessySplits:
    """Seal the clean copy and the recipe, corrupt, write public/train.csv and test.csv and the
    sealed log; return the frames the rest of the build reads."""
    from tiltyard.kinds.table.corruption.apply import (
        apply_recipe,
        read_clean,
        write_clean,
        write_log,
        write_public_files,
    )

    task = recipe.task
    write_clean({"train": train, "test": test}, staging / "sealed" / CLEAN)
    clean = read_clean(staging / "sealed" / CLEAN)
    number = corruption_seed(seed)
    corrupted = apply_recipe(recipe, clean, number)
    write_public_files(corrupted, staging / "public")
    write_log(corrupted.log, staging / "sealed" / LOG)
    (staging / "sealed" / RECIPE).write_text(tomli_w.dumps(
        {"seed": number, "columns": column_types, "corrupt": recipe.as_tables()}), encoding="utf-8")
    answers = corrupted.splits["test"][[task.id_column, task.target]].reset_index(drop=True)
    return MessySplits(clean_train=clean["train"], clean_test=clean["test"],
                       public_train=read_public_csv(staging / "public/train.csv"),
                       public_test=read_public_csv(staging / "public/test.csv"), answers=answers)


def clean_frames(bundle: Bundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sealed clean (train, test) of a messy bundle, as the recipe saw them."""
    return (pd.read_csv(bundle.sealed_file(f"{CLEAN}/train.csv")),
            pd.read_csv(bundle.sealed_file(f"{CLEAN}/test.csv")))


def sealed_recipe(bundle: Bundle) -> dict:
    return tomllib.loads(bundle.sealed_file(RECIPE).read_text(encoding="utf-8"))


def replay(bundle: Bundle) -> dict[str, bool]:
    """Whether each public file is, byte for byte, what the recipe makes of the sealed clean
    copy with the sealed seed."""
    from tiltyard.kinds.table.corruption.apply import apply_recipe, csv_bytes, public_frames, read_clean
    from tiltyard.kinds.table.corruption.recipe import parse_recipe

    manifest, stored = bundle.manifest, sealed_recipe(bundle)
    recipe = parse_recipe(stored["corrupt"], stored["columns"], manifest.task)
    folder = bundle.sealed_file(f"{CLEAN}/train.csv").parent
    corrupted = apply_recipe(recipe, read_clean(folder), stored["seed"])
    return {f"{name}.csv": csv_bytes(frame, corrupted.encodings[name])
            == bundle.public_file(f"{name}.csv").read_bytes()
            for name, frame in public_frames(corrupted).items()}


def declared_leaks(bundle: Bundle) -> set[str]:
    """Columns a ``leakage_column`` step of the sealed recipe made on purpose."""
    if not bundle.manifest.section or not bundle.manifest.section.get("corrupted"):
        return set()
    steps = sealed_recipe(bundle)["corrupt"]
    return {name for step in steps if step["op"] == "leakage_column"
            for name in [step.get("name"), *step.get("columns", [])] if name}


def _oracle_features(messy: MessySplits, numeric: list[str], id_column: str) -> pd.DataFrame:
    """The clean features of every answer row; a row the recipe added to test (a duplicate)
    has no clean original, so its messy features are taken, numbers parsed."""
    clean = messy.clean_test.set_index(id_column, drop=False)
    ids = messy.answers[id_column]
    known = ids.isin(clean.index)
    rows = clean.loc[ids[known]]
    if not known.all():
        added = messy.public_test.set_index(id_column, drop=False).loc[ids[~known]]
        added = numbers_from_text(added, [c for c in numeric if c in added])
        rows = pd.concat([rows, added[[c for c in rows.columns if c in added]]])
    return rows.set_index(id_column, drop=False).loc[ids].reset_index(drop=True)


def fit_cleaning_rungs(staging: Path, messy: MessySplits, columns: list[Column], best: BaselineEntry,
                       grader, metric: Metric, noise: float) -> dict:
    """Write the naive and oracle predictions and their scores (sealed/cleaning.json)."""
    task = grader.task
    naive_path = staging / "sealed" / NAIVE
    naive_path.parent.mkdir(parents=True, exist_ok=True)
    naive_path.write_bytes((staging / best.predictions).read_bytes())
    rung = next(r for r in ladder(task, metric, messy.clean_train, columns, automl=False) if r.name == best.name)
    model = rung.make().fit(messy.clean_train.drop(columns=[task.target]), messy.clean_train[task.target])
    numeric = [c.name for c in columns if c.type in ("numeric", "boolean")]
    features = _oracle_features(messy, numeric, task.id_column)
    predictions = predict_for_metric(model, features, task, metric).round(PREDICTION_DECIMALS)
    write_csv(pd.concat([features[[task.id_column]], predictions], axis=1), staging / "sealed" / ORACLE)
    scores = {"rung": best.name, "public_noise": noise}
    for name, relative in (("naive", NAIVE), ("oracle", ORACLE)):
        grade = grader.grade_file(staging / "sealed" / relative, max_bytes=1 << 40)
        scores[name] = {"public": grade.public_scores[metric.name], "private": grade.private_scores[metric.name]}
    (staging / "sealed" / CLEANING).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    return scores


def messy_section(recipe: Recipe) -> list[str]:
    """The brief's account of the mess: that the data are real, what was done to them (the
    steps the author discloses), and that the clean answers exist."""
    disclosed = recipe.disclosed()
    hidden = len(recipe.steps) - len(disclosed)
    lines = ["## What was made messy", "",
             "The rows are real; the public files were then made messy on purpose, by a seeded "
             f"recipe of {len(recipe.steps)} steps, the way real data go wrong. A clean copy of "
             "both files and a log of every changed cell are sealed with the answers: your "
             "score is set beside a *naive* model (the best baseline trained on the messy files "
             "as they are) and a *clean oracle* (the same model trained on the clean data), and "
             "the report's cleaning credit says how much of that gap your repairs closed.", ""]
    lines += [f"- {sentence}" for sentence in disclosed]
    if hidden:
        lines += [f"- and {hidden} more {'step' if hidden == 1 else 'steps'} the brief does not "
                  f"tell: finding {'it' if hidden == 1 else 'them'} is part of the work"]
    return lines
