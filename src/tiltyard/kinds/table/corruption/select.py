"""Which cells a step may touch, and how likely each one is (missing at random, selection)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiltyard.kinds.table.corruption.values import is_missing, is_number, plain


def present(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Positions whose cell holds a value."""
    return np.flatnonzero(~frame[column].map(is_missing).to_numpy(dtype=bool))


def numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Positions whose cell holds a number (not text an earlier step wrote into it)."""
    return np.flatnonzero(frame[column].map(is_number).to_numpy(dtype=bool))


def strings(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Positions whose cell holds non-empty text."""
    return np.flatnonzero(frame[column].map(lambda v: isinstance(plain(v), str) and v != "").to_numpy(dtype=bool))


def leaning(values: pd.Series, *, direction: str, strength: float, rng: np.random.Generator) -> np.ndarray:
    """A weight per value: numbers by rank (high or low values weigh more, ``exp(strength)``
    times at the far end); any other value by a random weight per distinct value (drawn in
    sorted order, so the same data draws the same weights). Missing values weigh the middle."""
    as_numbers = pd.to_numeric(values.map(lambda v: plain(v) if is_number(v) else None), errors="coerce")
    if as_numbers.notna().sum() >= max(1, 0.5 * values.map(lambda v: not is_missing(v)).sum()):
        rank = as_numbers.rank(pct=True).fillna(0.5).to_numpy()
    else:
        text = values.map(lambda v: None if is_missing(v) else str(plain(v)))
        levels = sorted(text.dropna().unique())
        draws = dict(zip(levels, rng.random(len(levels))))
        rank = text.map(lambda v: draws.get(v, 0.5) if v is not None else 0.5).to_numpy(dtype=np.float64)
    rank = rank if direction == "high" else 1.0 - rank
    return np.exp(strength * rank)
