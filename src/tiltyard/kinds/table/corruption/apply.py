"""Apply a recipe to clean splits, write the result, and undo it from its log.

Each step draws from its own child stream of the bundle's seed, chosen by the step's position
(never the global state), so adding a step at the end leaves the damage of the earlier steps
exactly as it was. The streams are spawned under their own key: the builder spawns the same
seed for the id shuffle and the split, and the damage must not be drawn from those streams.

The same clean frames, recipe and seed give byte-identical files: build and ``tiltyard check``
both go ``read_clean`` -> ``apply_recipe`` -> ``write_public_files``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tiltyard.kinds.table.corruption.edit import (
    CELL,
    COLUMN_ADDED,
    ROW_ADDED,
    ROW_REMOVED,
    Edit,
    log_frame,
)
from tiltyard.kinds.table.corruption.operator import SPLITS, RecipeError
from tiltyard.kinds.table.corruption.recipe import Recipe
from tiltyard.kinds.table.corruption.values import decode

CORRUPTION_STREAMS = 0x636F7272  # "corr": a spawn key of its own, apart from the builder's streams
UTF8 = "utf-8"


@dataclass(frozen=True)
class Corrupted:
    """The corrupted splits (the test split keeps its target: it becomes the answers), the
    log of every change, and the encoding each split's file is written in."""

    splits: dict[str, pd.DataFrame]
    log: pd.DataFrame
    encodings: dict[str, str]
    recipe: Recipe
    clean: dict[str, pd.DataFrame]
    seed: int

    def quiet_steps(self) -> list[int]:
        """Positions (0-based) of steps that changed nothing: a lesson without teeth."""
        touched = set(self.log["step"].tolist())
        return [i for i in range(len(self.recipe.steps)) if i not in touched]


def step_streams(seed: int, count: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed, spawn_key=(CORRUPTION_STREAMS,)).spawn(count)


def _checked_splits(recipe: Recipe, splits: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    task = recipe.task
    if set(splits) != set(SPLITS):
        raise RecipeError("The recipe applies to a train and a test split", expected="splits train and test",
                          got=", ".join(sorted(splits)) or "none", hint="Pass {'train': ..., 'test': ...}")
    seen: set = set()
    for name in SPLITS:
        frame = splits[name]
        if task.id_column not in frame.columns:
            raise RecipeError(f"The {name} split has no id column", expected=f"a column {task.id_column!r}",
                              got=", ".join(map(str, frame.columns[:8])), hint="Assign ids before corrupting")
        ids = frame[task.id_column]
        if ids.duplicated().any() or seen.intersection(ids.tolist()):
            raise RecipeError(f"Ids repeat in the {name} split", expected="an id unique across both splits",
                              got=f"{int(ids.duplicated().sum())} repeats",
                              hint="The log finds rows by id: give every row its own")
        seen.update(ids.tolist())
    missing = [c for c in recipe.schema.columns if c not in splits["train"].columns]
    if missing:
        raise RecipeError("The train split lacks columns the recipe was checked against",
                          expected=", ".join(recipe.schema.columns), got=f"no {missing[:5]}",
                          hint="Parse the recipe with the columns of the table you corrupt")
    return {name: splits[name].reset_index(drop=True).copy() for name in SPLITS}


def apply_recipe(recipe: Recipe, splits: dict[str, pd.DataFrame], seed: int) -> Corrupted:
    """Corrupt copies of ``splits`` (the inputs are left as they were)."""
    clean = _checked_splits(recipe, splits)
    frames = {name: frame.copy() for name, frame in clean.items()}
    encodings = dict.fromkeys(SPLITS, UTF8)
    entries: list[tuple] = []
    for position, (step, stream) in enumerate(zip(recipe.steps, step_streams(seed, len(recipe.steps)))):
        edit = Edit(frames, np.random.default_rng(stream), position, step.op, recipe.task, encodings, clean)
        try:
            step.apply(edit)
        except RecipeError as error:  # the step's number, as parse_recipe gives it
            raise RecipeError(error.message.replace(f"[[corrupt]] {step.op}:",
                                                    f"[[corrupt]] step {position + 1} ({step.op}):"),
                              expected=error.expected, got=error.got, hint=error.hint) from None
        entries.extend(edit.entries)
    return Corrupted(splits=frames, log=log_frame(entries), encodings=encodings, recipe=recipe,
                     clean=clean, seed=seed)


# -- files ----------------------------------------------------------------------------------

def csv_bytes(frame: pd.DataFrame, encoding: str = UTF8) -> bytes:
    """A frame as CSV written the same way on every machine: '\\n' line ends, no index."""
    text = frame.to_csv(index=False, lineterminator="\n")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        raise RecipeError("A split holds text its file encoding cannot write", expected=f"text {encoding} can hold",
                          got=repr(error.object[error.start:error.end]),
                          hint="Put the encoding step last in the recipe") from None


def public_frames(corrupted: Corrupted) -> dict[str, pd.DataFrame]:
    """What learners get: train with its target, test without it."""
    test = corrupted.splits["test"]
    return {"train": corrupted.splits["train"],
            "test": test.drop(columns=[corrupted.recipe.task.target], errors="ignore")}


def write_public_files(corrupted: Corrupted, folder: Path) -> dict[str, Path]:
    """``train.csv`` and ``test.csv`` (no target) in ``folder``, each in its split's encoding."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in public_frames(corrupted).items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(csv_bytes(frame, corrupted.encodings[name]))
    return paths


def write_clean(splits: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    """The sealed clean copy: both splits, the test split with its target."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in SPLITS:
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(csv_bytes(splits[name]))
    return paths


def read_clean(folder: Path) -> dict[str, pd.DataFrame]:
    """The clean copy as the recipe must see it, at build and at replay alike."""
    return {name: pd.read_csv(folder / f"{name}.csv") for name in SPLITS}


def write_log(log: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(log, preserve_index=False), buffer)
    path.write_bytes(buffer.getvalue())
    return path


def read_log(path: Path) -> pd.DataFrame:
    return log_frame(list(pq.read_table(path).to_pandas().itertuples(index=False, name=None)))


# -- undo -------------------------------------------------------------------------------------

def _restore_step(frame: pd.DataFrame, entries: pd.DataFrame, id_column: str) -> pd.DataFrame:
    cells = entries[entries["change"] == CELL]
    if len(cells):
        where = {row: position for position, row in enumerate(frame[id_column].tolist())}
        for column, group in cells.groupby("column", sort=False):
            values = frame[column].to_numpy(dtype=object, copy=True)
            for row, before in zip(group["row"], group["before"]):
                values[where[row]] = decode(before)
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
    added_columns = entries.loc[entries["change"] == COLUMN_ADDED, "column"].unique().tolist()
    frame = frame.drop(columns=added_columns)
    added_rows = set(entries.loc[entries["change"] == ROW_ADDED, "row"].tolist())
    if added_rows:
        frame = frame.loc[~frame[id_column].isin(added_rows)].reset_index(drop=True)
    removed = entries[entries["change"] == ROW_REMOVED]
    if len(removed):
        rows = removed.pivot(index="position", columns="column", values="before").sort_index()
        frame = _insert_rows(frame, rows[frame.columns].map(decode))
    return frame


def _insert_rows(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Put ``rows`` back at the positions they had (their index), in ascending order."""
    total = len(frame) + len(rows)
    is_old = np.ones(total, dtype=bool)
    is_old[rows.index.to_numpy(dtype=np.int64)] = False
    order = np.empty(total, dtype=np.int64)
    order[is_old] = np.arange(len(frame))
    order[~is_old] = len(frame) + np.arange(len(rows))
    joined = pd.concat([frame.astype(object), rows.reset_index(drop=True).astype(object)], ignore_index=True)
    return joined.iloc[order].reset_index(drop=True)


def undo(splits: dict[str, pd.DataFrame], log: pd.DataFrame, id_column: str,
         dtypes: dict[str, pd.Series] | None = None) -> dict[str, pd.DataFrame]:
    """The clean splits again, from the corrupted ones and the log alone (newest step first);
    ``dtypes`` (per split) gives the columns their clean types back."""
    frames = {name: frame.copy() for name, frame in splits.items()}
    for step in sorted(set(log["step"].tolist()), reverse=True):
        entries = log[log["step"] == step]
        for name in SPLITS:
            part = entries[entries["split"] == name]
            if len(part):
                frames[name] = _restore_step(frames[name], part, id_column)
    for name, frame in frames.items():
        frames[name] = frame.astype(dtypes[name]) if dtypes else frame.infer_objects()
    return frames
