"""Cell values as text in the corruption log, and back, without losing a bit.

The log keeps every value as JSON (a number, a string, ``null`` for a missing value; a
timestamp tagged as such), so one Parquet column holds the values of every column and
undoing the log gives back exactly what was there: Python's float repr round-trips.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

TIMESTAMP_TAG = "$timestamp"


def plain(value: Any) -> Any:
    """A cell as a plain Python value: None for every kind of missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def encode(value: Any) -> str:
    value = plain(value)
    if isinstance(value, pd.Timestamp):
        return json.dumps({TIMESTAMP_TAG: value.isoformat()})
    return json.dumps(value, ensure_ascii=False)


def decode(text: str) -> Any:
    """The cell again; a missing value comes back as NaN (what pandas writes as an empty cell)."""
    value = json.loads(text)
    if value is None:
        return np.nan
    if isinstance(value, dict) and TIMESTAMP_TAG in value:
        return pd.Timestamp(value[TIMESTAMP_TAG])
    return value


def is_missing(value: Any) -> bool:
    return plain(value) is None


def is_number(value: Any) -> bool:
    value = plain(value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)
