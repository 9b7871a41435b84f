"""Small authors' folders for the authoring tests: a CSV of a few hundred rows whose target a
model can learn, and an author.toml with every field filled in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.authoring.init import plan_init, write_init

ROWS = 600
FILLED = {"title = \"TODO\"": "title = \"Planted\"",
          "TODO: one line a learner reads in the list of challenges": "A small planted table for the tests.",
          "TODO: who collected the data, and where you got them": "Made up for the tests",
          "TODO: the licence the data are published under": "CC0 1.0",
          "url = \"TODO\"": "url = \"https://example.org/planted\"",
          "TODO: what it means, in which unit": "A planted column.",
          "Target. TODO: what it means": "Target: planted."}
STORY = ("A planted dataset for the tests: the rows are made up, the signal is in `strength` and "
         "`colour`, and the recipe (when there is one) makes the files messy on purpose. The clean "
         "answers are sealed with the bundle, as they are for every messy challenge.\n")


def planted_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    strength = rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    weight = rng.normal(50, 10, size=rows).round(1)
    logit = 2.5 * strength + np.where(colour == "red", 1.0, -0.5)
    label = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"record": np.arange(1, rows + 1), "strength": strength.round(4), "colour": colour,
                         "weight": weight, "outcome": label})


def write_csv(folder: Path, frame: pd.DataFrame, name: str = "data.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def author_folder(root: Path, frame: pd.DataFrame | None = None, recipe: str = "", **overrides) -> Path:
    """init on a planted CSV, every TODO filled in, ``recipe`` appended as [[corrupt]] tables."""
    data = write_csv(root / "raw", planted_frame() if frame is None else frame)
    folder = root / "author"
    write_init(plan_init(data, target="outcome", task_type="binary", metric="roc_auc", id_column="record",
                         out=folder), force=True)
    text = (folder / "author.toml").read_text()
    for old, new in FILLED.items():
        text = text.replace(old, new)
    for old, new in overrides.items():
        text = text.replace(old, new)
    (folder / "author.toml").write_text(text + "\n" + recipe)
    (folder / "story.md").write_text(STORY)
    return folder


# Hides most of the strongest column: a model on the messy files loses much of what the
# clean data give, so the oracle beats the naive rung by far more than the noise.
BITING_RECIPE = """
[[corrupt]]
op = "missing"
columns = ["strength"]
fraction = 0.7

[[corrupt]]
op = "category_variants"
columns = ["colour"]
fraction = 0.3
"""
