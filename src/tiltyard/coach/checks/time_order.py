"""On a time split: features whose later values the model never saw while training.

A date, a day counter or a month moves forward with time, so on time-ordered folds (and on the
test rows) its values lie beyond every value in training. A model can only learn the past
periods' quirks from it, and shuffled cross-validation hides that: it trains on the days
around each validation day.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.inspect import columns_used

# Share of validation rows whose value lies beyond the training fold's range: a column that
# moves with time is near 1; a season, a weekday or a distance is near 0.
BEYOND_SHARE = 0.5


def _ordered_values(column: pd.Series) -> np.ndarray | None:
    """The column as numbers, when its order means something (numbers, dates); else None."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.astype("int64").to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return None


def share_beyond(values: np.ndarray, train_at: np.ndarray, valid_at: np.ndarray) -> float:
    """Share of validation rows whose value is outside the training rows' [min, max]."""
    seen, new = values[train_at], values[valid_at]
    seen, new = seen[~np.isnan(seen)], new[~np.isnan(new)]
    if not seen.size or not new.size or seen.min() == seen.max():
        return 0.0
    return float(np.mean((new > seen.max()) | (new < seen.min())))


def check_time_trend_features(context: Context) -> Iterator[Finding]:
    case, cv = context.case, context.cv
    if not cv.time_ordered:
        return
    used = columns_used(cv.fitted, case.X_train) if cv.fitted is not None else None
    shares: dict[str, float] = {}
    for name in case.X_train.columns:
        values = _ordered_values(case.X_train[name])
        if values is None or (used is not None and name not in used):
            continue
        per_fold = [share_beyond(values, fold.train_at, fold.valid_at) for fold in cv.folds]
        shares[name] = float(np.mean(per_fold))
    moving = sorted((c for c in shares if shares[c] >= BEYOND_SHARE), key=shares.get, reverse=True)
    if not moving:
        return
    test_shares = {}
    if case.X_test is not None:
        everything = np.arange(len(case.X_train))
        for name in moving:
            if name in case.X_test.columns:
                both = pd.concat([case.X_train[name], case.X_test[name]], ignore_index=True)
                values = _ordered_values(both)
                if values is not None:
                    test_shares[name] = share_beyond(values, everything,
                                                     np.arange(len(case.X_train), len(both)))
    fold_scores = [fold.validation for fold in cv.folds]
    described = ", ".join(f"{c} ({shares[c]:.0%}" + (f"; test rows {test_shares[c]:.0%}" if c in test_shares else "")
                          + ")" for c in moving[:5])
    plot = context.charts.bars(
        "time_trend_features", list(shares), list(shares.values()),
        title="Share of later rows beyond every value seen in training (time-ordered folds)",
        xlabel="share of validation rows outside the training range",
        highlight=[i for i, c in enumerate(shares) if c in moving], line=BEYOND_SHARE,
        line_label="moves with time")
    metric = case.metric
    yield Finding(
        id="time-trend-feature", severity=Severity.SERIOUS,
        title="The model reads a feature that moves with time, on a challenge split by time",
        evidence=f"The test rows come after the training rows in time, so the coach validated in "
                 f"time order: {cv.scheme}. Share of validation rows whose value lies beyond "
                 f"anything their fold trained on: {described}. The model can only learn "
                 "what those values meant in the past; on later rows it extrapolates. "
                 f"Cross-validated {metric.title} in time order: {context.fmt(cv.validation_score)} "
                 f"(folds: {', '.join(context.fmt(s) for s in fold_scores)}), against "
                 f"{context.fmt(cv.train_score)} on its training rows. Shuffled cross-validation "
                 "would train on the days around each validation day and flatter this model.",
        next_steps=[f"Drop {moving[0]!r}, or replace it with something that repeats (day of week, "
                    "hour, a season) rather than something that only grows",
                    "Judge every change by time-ordered validation: train on earlier rows, "
                    "validate on later ones (sklearn's TimeSeriesSplit)"],
        lesson="validating-in-time",
        numbers={"share_beyond_training": {c: shares[c] for c in moving},
                 "test_share_beyond_training": test_shares, "fold_scores": fold_scores},
        plot=plot)
