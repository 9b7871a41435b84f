"""The one way an operator changes a split: every change goes through :class:`Edit`, which
writes it into the log as it makes it, so the log is complete by construction.

A log row is one cell: which step and operator, which split, the row's id, the column, what
kind of change (a cell changed, a row added or removed, a column added), the row's position
in its split, and the value before and after as JSON text (``None`` where no cell was).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tiltyard.challenges.manifest import Task
from tiltyard.kinds.table.corruption.values import encode, is_missing, is_number, plain

LOG_COLUMNS = ["step", "op", "split", "row", "column", "change", "position", "before", "after"]
CELL, ROW_ADDED, ROW_REMOVED, COLUMN_ADDED = "cell", "row_added", "row_removed", "column_added"


def count_for(fraction: float, eligible: int) -> int:
    """How many of ``eligible`` items a fraction means (half rounds up, on every machine)."""
    return int(np.floor(fraction * eligible + 0.5))


def rebuilt(original: pd.Series, values: np.ndarray, changed: list) -> pd.Series:
    """The column with its new values, keeping the original type when the new values fit it
    (an integer column that gains a gap becomes nullable Int64, so the file still says 3,
    not 3.0) and falling back to mixed objects when they do not (a number column polluted
    with "1,234" reads as text, as it would from a real file)."""
    dtype = original.dtype
    new = [plain(v) for v in changed]
    numbers = all(is_number(v) or v is None for v in new)
    series = pd.Series(values, index=original.index, name=original.name, dtype=object)
    if pd.api.types.is_bool_dtype(dtype) and all(isinstance(v, bool) for v in new):
        return series.astype(dtype)
    if pd.api.types.is_integer_dtype(dtype) and numbers:
        if all(isinstance(v, int) or v is None for v in new):
            has_gap = series.map(is_missing).any()
            return series.astype("Int64" if has_gap or isinstance(dtype, pd.Int64Dtype) else dtype)
        return series.astype(np.float64)
    if pd.api.types.is_float_dtype(dtype) and numbers:
        return series.astype(dtype)
    if pd.api.types.is_datetime64_any_dtype(dtype) and all(isinstance(v, pd.Timestamp) or v is None
                                                           for v in new):
        return series.astype(dtype)
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype) and \
            all(isinstance(v, str) or v is None for v in new):
        return series.astype(dtype)
    return series.map(lambda v: np.nan if is_missing(v) else plain(v))


@dataclass
class Edit:
    """One step's work on the splits: its random stream, and the only writes it may make."""

    frames: dict[str, pd.DataFrame]
    rng: np.random.Generator
    step: int
    op: str
    task: Task
    encodings: dict[str, str]
    """The encoding each split's file is written in (the encoding operator changes it)."""
    clean: dict[str, pd.DataFrame] = field(default_factory=dict)
    """The splits before any step: what a value means is judged on them, not on damage."""
    entries: list[tuple] = field(default_factory=list)

    @property
    def id_column(self) -> str:
        return self.task.id_column

    @property
    def target(self) -> str:
        return self.task.target

    def _log(self, split: str, row, column: str, change: str, position: int,
             before: str | None, after: str | None) -> None:
        self.entries.append((self.step, self.op, split, plain(row), column, change, int(position),
                             before, after))

    # -- choosing ------------------------------------------------------------------------

    def choose(self, eligible: np.ndarray, fraction: float, weights: np.ndarray | None = None) -> np.ndarray:
        """Exactly ``round(fraction * len(eligible))`` of the eligible positions, sorted; with
        weights, drawn without replacement in proportion to them (Gumbel top-k)."""
        eligible = np.asarray(eligible, dtype=np.int64)
        k = count_for(fraction, eligible.size)
        if k == 0:
            return eligible[:0]
        if weights is None:
            return np.sort(self.rng.choice(eligible, size=k, replace=False))
        keys = np.log(np.maximum(np.asarray(weights, dtype=np.float64), 1e-12)) + \
            self.rng.gumbel(size=eligible.size)
        return np.sort(eligible[np.argsort(-keys, kind="stable")[:k]])

    # -- writing -------------------------------------------------------------------------

    def set_cells(self, split: str, positions, column: str, values) -> int:
        """Write ``values`` at ``positions`` of ``column``; logs each cell that really changed
        (as the column holds it once written) and returns how many did."""
        frame = self.frames[split]
        positions = np.asarray(positions, dtype=np.int64)
        values = list(values)
        if positions.size == 0:
            return 0
        old = frame[column].to_numpy(dtype=object)
        new = old.copy()
        for position, value in zip(positions, values):
            new[position] = np.nan if is_missing(value) else plain(value)
        column_now = rebuilt(frame[column], new, values)
        now = column_now.to_numpy(dtype=object)
        ids = frame[self.id_column].to_numpy(dtype=object)
        changed = 0
        for position in positions:
            before, after = encode(old[position]), encode(now[position])
            if before != after:
                changed += 1
                self._log(split, ids[position], column, CELL, position, before, after)
        if changed:
            frame[column] = column_now
        return changed

    def add_rows(self, split: str, rows: pd.DataFrame, positions) -> None:
        """Insert ``rows`` so that they end up at ``positions`` (of the grown split)."""
        frame = self.frames[split]
        positions = np.sort(np.asarray(positions, dtype=np.int64))
        total = len(frame) + len(rows)
        is_new = np.zeros(total, dtype=bool)
        is_new[positions] = True
        order = np.empty(total, dtype=np.int64)
        order[~is_new] = np.arange(len(frame))
        order[is_new] = len(frame) + np.arange(len(rows))
        grown = pd.concat([frame, rows[frame.columns]], ignore_index=True).iloc[order]
        grown = grown.reset_index(drop=True)
        self._log_rows(split, grown, positions, ROW_ADDED)
        self.frames[split] = grown

    def remove_rows(self, split: str, positions) -> None:
        frame = self.frames[split]
        positions = np.sort(np.asarray(positions, dtype=np.int64))
        self._log_rows(split, frame, positions, ROW_REMOVED)
        keep = np.ones(len(frame), dtype=bool)
        keep[positions] = False
        self.frames[split] = frame.loc[keep].reset_index(drop=True)

    def _log_rows(self, split: str, frame: pd.DataFrame, positions: np.ndarray, change: str) -> None:
        """Every cell of the rows at ``positions``: after for a row added, before for one removed."""
        ids = frame[self.id_column].to_numpy(dtype=object)[positions]
        for column in frame.columns:
            texts = [encode(v) for v in frame[column].to_numpy(dtype=object)[positions]]
            for row, position, text in zip(ids, positions, texts):
                if change == ROW_ADDED:
                    self._log(split, row, column, change, position, None, text)
                else:
                    self._log(split, row, column, change, position, text, None)

    def add_column(self, split: str, name: str, values, at: int) -> None:
        frame = self.frames[split]
        frame.insert(at, name, values)
        ids = frame[self.id_column].to_numpy(dtype=object)
        for position, value in enumerate(frame[name].to_numpy(dtype=object)):
            self._log(split, ids[position], name, COLUMN_ADDED, position, None, encode(value))


def empty_log() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LOG_COLUMNS})


def log_frame(entries: list[tuple]) -> pd.DataFrame:
    """The log as a table with fixed column types, so its Parquet file is the same bytes
    on every machine."""
    if not entries:
        frame = empty_log()
    else:
        frame = pd.DataFrame(entries, columns=LOG_COLUMNS)
    frame["step"] = frame["step"].astype(np.int64)
    frame["position"] = frame["position"].astype(np.int64)
    for column in ("op", "split", "column", "change", "before", "after"):
        frame[column] = frame[column].astype(object)
    frame["row"] = frame["row"].astype(object)
    return frame
