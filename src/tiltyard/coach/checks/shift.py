"""Train/test shift by adversarial validation: can a model tell training rows from test rows?"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from tiltyard.coach.case import subsample
from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.inspect import columns_used

SIDE_ROWS = 2_000  # rows from each side: enough to tell a shift from noise (AUC ± 0.01)
SHIFT_AUC = 0.75
CLASSIFIER_COLUMNS = 20


def _encoded(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, list[bool]]:
    both = pd.concat([train, test], ignore_index=True)
    columns, categorical = [], []
    for name in both.columns:
        column = both[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            columns.append(column.astype("int64").to_numpy(dtype=float))
            categorical.append(False)
        elif pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
            columns.append(column.to_numpy(dtype=float, na_value=np.nan))
            categorical.append(False)
        else:
            codes, levels = pd.factorize(column.astype(str))
            # Too many levels for native categorical splits: codes as numbers still separate.
            columns.append(codes.astype(float))
            categorical.append(len(levels) <= 250)
    return np.column_stack(columns), categorical


def _ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Largest gap between the two empirical CDFs (scipy's ks_2samp statistic, minus its
    p-value machinery, which this check does not need and which dominates its cost)."""
    a, b = np.sort(a), np.sort(b)
    points = np.concatenate([a, b])
    gap = np.searchsorted(a, points, side="right") / a.size - np.searchsorted(b, points, side="right") / b.size
    return float(np.abs(gap).max())


def drift(train: pd.Series, test: pd.Series) -> float:
    """0 when a column looks the same in train and test, 1 when its values never overlap."""
    if pd.api.types.is_numeric_dtype(train.dtype) and not pd.api.types.is_bool_dtype(train.dtype):
        a, b = train.dropna().to_numpy(dtype=float), test.dropna().to_numpy(dtype=float)
        return _ks_statistic(a, b) if a.size and b.size else 0.0
    if pd.api.types.is_datetime64_any_dtype(train.dtype):
        return _ks_statistic(train.dropna().astype("int64").to_numpy(), test.dropna().astype("int64").to_numpy())
    p = train.astype(str).value_counts(normalize=True)
    q = test.astype(str).value_counts(normalize=True)
    return float(0.5 * p.subtract(q, fill_value=0).abs().sum())  # total variation distance


def _row_labels(column: pd.Series) -> bool:
    """Names, ticket numbers: unique text per row always 'drifts' and says nothing."""
    numeric = pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_datetime64_any_dtype(column.dtype)
    return not numeric and column.nunique() >= 0.98 * len(column)


def check_shift(context: Context) -> Iterator[Finding]:
    case = context.case
    fitted = context.cv.fitted if context.cv is not None else None
    used = columns_used(fitted, case.X_train) if fitted is not None else None
    shared = [c for c in case.X_train.columns if c in case.X_test.columns
              and (used is None or c in used) and not _row_labels(case.X_train[c])]
    if not shared:
        return
    train = case.X_train.loc[subsample(case.X_train.index, None, SIDE_ROWS, context.seed), shared]
    test = case.X_test.loc[subsample(case.X_test.index, None, SIDE_ROWS, context.seed), shared]
    drifts = {c: drift(train[c], test[c]) for c in shared}
    ranked = sorted(drifts, key=drifts.get, reverse=True)
    # The classifier reads the most drifting columns only: a shift that no single column shows
    # at all is rare, and this keeps the check cheap on wide tables.
    X, categorical = _encoded(train[ranked[:CLASSIFIER_COLUMNS]], test[ranked[:CLASSIFIER_COLUMNS]])
    is_test = np.r_[np.zeros(len(train)), np.ones(len(test))]
    scores = np.empty(is_test.size)
    # One OpenMP thread: on a few thousand rows, threads spinning on a busy machine cost far
    # more than they give (on 2 shared cores: 0.2-2.5 s with both threads, 0.05-0.15 s with one).
    with threadpool_limits(limits=1):
        for train_at, valid_at in StratifiedKFold(2, shuffle=True, random_state=context.seed).split(X, is_test):
            model = HistGradientBoostingClassifier(max_iter=25, max_leaf_nodes=15, early_stopping=False,
                                                   categorical_features=categorical, random_state=context.seed)
            model.fit(X[train_at], is_test[train_at])
            scores[valid_at] = model.predict_proba(X[valid_at])[:, 1]
    auc = float(roc_auc_score(is_test, scores))
    numbers = {"adversarial_auc": auc, "drift": {c: drifts[c] for c in ranked[:10]}}
    if auc < SHIFT_AUC:
        return
    top = ranked[:5]
    plot = context.charts.bars(
        "shift_columns", ranked[:15], [drifts[c] for c in ranked[:15]],
        title=f"Train vs test drift per column (adversarial ROC AUC {auc:.2f})",
        xlabel="drift (KS statistic or total variation; 0 = same, 1 = disjoint)",
        highlight=list(range(len(top))))
    yield Finding(
        id="train-test-shift", severity=Severity.WARNING,
        title="Test rows look different from training rows" + (" in the columns the model uses" if used else ""),
        evidence=f"A classifier tells test rows from training rows with ROC AUC {auc:.3f} "
                 f"(0.5 = indistinguishable). The columns that drift most: "
                 + ", ".join(f"{c} ({drifts[c]:.2f})" for c in top)
                 + ". " + _what_validation_saw(context),
        next_steps=[f"Check what {top[0]!r} means over time: drop it, or replace it with a "
                    "version that is stable (a rate, a difference, a season instead of a date)",
                    _validate_like_the_test(context)],
        lesson="train-test-shift", numbers=numbers, plot=plot)


def _time_ordered(context: Context) -> bool:
    return context.cv.time_ordered if context.cv is not None else context.case.time_ordered


def _what_validation_saw(context: Context) -> str:
    if _time_ordered(context):
        return ("The coach validated in time order (earlier rows train, later rows validate), so "
                "its cross-validated score already carries part of this drift; the test, further "
                "away in time, may carry more.")
    return "Cross-validation on shuffled training rows overestimates the test score when the model leans on them."


def _validate_like_the_test(context: Context) -> str:
    if _time_ordered(context):
        return "Prefer features whose meaning holds from one period to the next; compare the time-ordered fold scores"
    return "Validate the way the test was cut (for a time split: train on earlier rows, validate on later ones)"
