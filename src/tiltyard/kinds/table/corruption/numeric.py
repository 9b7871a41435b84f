"""Numbers written the way the column already writes them (as many decimals, integers kept)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiltyard.kinds.table.corruption.values import is_number, plain

MAX_DECIMALS = 6


def decimals_of(series: pd.Series) -> int:
    """The fewest decimals (up to 6) that write every number of the column exactly."""
    values = np.array([plain(v) for v in series if is_number(v)], dtype=np.float64)
    if values.size == 0 or pd.api.types.is_integer_dtype(series.dtype):
        return 0
    for decimals in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(values, decimals), values, rtol=0, atol=1e-9):
            return decimals
    return MAX_DECIMALS


def written(value: float, decimals: int, integer: bool) -> float | int:
    """The value rounded as the column writes it."""
    if integer:
        return int(round(value))
    return float(round(value, decimals))


def changed(old: float, new: float, decimals: int, integer: bool, rng: np.random.Generator) -> float | int:
    """``new`` as the column writes it, moved one unit further when rounding undid the change."""
    result = written(new, decimals, integer)
    if result == old:
        unit = 1 if integer else 10.0 ** -decimals
        result = written(old + unit * (1 if rng.random() < 0.5 else -1), decimals, integer)
    return result


def is_integer_column(series: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(series.dtype):
        return True
    values = [plain(v) for v in series if is_number(v)]
    return bool(values) and all(isinstance(v, int) for v in values)


def spread(series: pd.Series) -> float:
    """A robust scale of the column's numbers: the standard deviation, else the mean size, else 1."""
    values = np.array([plain(v) for v in series if is_number(v)], dtype=np.float64)
    if values.size > 1 and np.std(values) > 0:
        return float(np.std(values))
    return float(np.mean(np.abs(values))) if values.size and np.mean(np.abs(values)) > 0 else 1.0
