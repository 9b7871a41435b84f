"""Missing values: rows thrown away (and what it cost), or a model that breaks on NaN."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from tiltyard.coach.case import Case, encode_learner_target
from tiltyard.coach.checks.base import Context
from tiltyard.coach.crossval import model_output
from tiltyard.coach.findings import Finding, Severity

NAN_ERROR_WORDS = ("nan", "missing value", "null")
DROPPED_SERIOUS = 0.05


def is_missing_value_error(error: BaseException | None) -> bool:
    if error is None:
        return False
    text = str(error).lower()
    return any(word in text for word in NAN_ERROR_WORDS) and "non-finite parameter" not in text


def _missing_counts(frame: pd.DataFrame | None) -> dict[str, int]:
    if frame is None:
        return {}
    counts = frame.isna().sum()
    return {c: int(n) for c, n in counts[counts > 0].sort_values(ascending=False).items()}


def check_fails_on_missing(context: Context) -> Iterator[Finding]:
    case = context.case
    in_cv = context.cv is not None and is_missing_value_error(context.cv.error)
    at_test = is_missing_value_error(context.test_error)
    if not (in_cv or at_test):
        return
    train_missing, test_missing = _missing_counts(case.X_train), _missing_counts(case.X_test)
    where = "while fitting on the training folds" if in_cv else "while predicting the test rows"
    error = context.cv.error if in_cv else context.test_error
    test_rows = int(case.X_test.isna().any(axis=1).sum()) if case.X_test is not None else 0
    yield Finding(
        id="model-fails-on-missing", severity=Severity.SERIOUS,
        title="The model fails on missing values",
        evidence=f"It raised {type(error).__name__} {where}: {str(error).splitlines()[0][:200]} "
                 f"Columns with missing values: train {train_missing or 'none'}; test "
                 f"{test_missing or 'none'} ({test_rows} test rows need a prediction anyway).",
        next_steps=["Put SimpleImputer (add_indicator=True) in front of the model inside the pipeline",
                    "Or use a model that handles NaN natively: HistGradientBoostingClassifier/Regressor"],
        lesson="missing-values", numbers={"train_missing": train_missing, "test_missing": test_missing,
                                          "test_rows_with_missing": test_rows})


def imputer() -> ColumnTransformer:
    """Median for numbers, most frequent for the rest; keeps column names for the learner's steps."""
    return ColumnTransformer([
        ("numbers", SimpleImputer(strategy="median"), make_column_selector(dtype_include="number")),
        ("others", SimpleImputer(strategy="most_frequent"), make_column_selector(dtype_exclude="number")),
    ], verbose_feature_names_out=False).set_output(transform="pandas")


def _cost_of_dropping(context: Context, kept: pd.Index) -> dict[str, float] | None:
    """Fit the model on all rows vs on the kept rows (both imputed at prediction) and compare
    on the same held-out rows. Two fits: only paid when rows were actually dropped."""
    case: Case = context.case
    if case.original_target is None or not set(case.X_train.columns) <= set(case.original_train.columns):
        return None
    X = case.original_train[case.X_train.columns]
    y = case.original_target.loc[X.index]
    stratify = y.astype(str) if case.is_classification else None
    fit_rows, held_rows = train_test_split(X.index, test_size=0.25, random_state=context.seed,
                                           stratify=stratify)
    truth = encode_learner_target(np.asarray(y.loc[held_rows]), case.task)
    scores = {}
    for label, rows in (("all_rows_imputed", fit_rows), ("dropped_rows", fit_rows.intersection(kept))):
        model = Pipeline([("impute", imputer()), ("model", clone(context.model))])
        model.fit(X.loc[rows], y.loc[rows])
        output = model_output(model, X.loc[held_rows], case.task, case.metric)
        scores[label] = case.metric(truth, output.values)
    return scores


def check_rows_dropped(context: Context) -> Iterator[Finding]:
    case = context.case
    original = case.original_train
    if original is None or len(case.X_train) >= len(original):
        return
    kept = case.X_train.index
    dropped_count = len(original) - len(kept)
    share = dropped_count / len(original)
    dropped = original.index.difference(kept) if kept.isin(original.index).all() else None
    numbers = {"rows_dropped": dropped_count, "share_dropped": share}
    evidence = f"{dropped_count} of {len(original)} training rows ({share:.1%}) were left out."
    if dropped is not None and case.original_target is not None and len(dropped):
        target = case.original_target
        if case.is_classification:
            positive = str(case.task.positive_label or case.task.classes[-1])
            rate_dropped = float((target.loc[dropped].astype(str) == positive).mean())
            rate_kept = float((target.loc[kept].astype(str) == positive).mean())
            what = f"share of {positive!r}"
        else:
            rate_dropped, rate_kept = float(target.loc[dropped].mean()), float(target.loc[kept].mean())
            what = f"mean {case.task.target}"
        numbers.update(dropped_target=rate_dropped, kept_target=rate_kept)
        evidence += (f" The {what} is {rate_dropped:.3f} among them vs {rate_kept:.3f} among the rows "
                     "kept: they are not a random sample, so the model learns a skewed picture.")
        with_missing = original.loc[dropped].isna().sum()
        numbers["missing_in_dropped"] = {c: int(n) for c, n in with_missing[with_missing > 0].items()}
    if case.X_test is not None:
        test_rows = int(case.X_test.isna().any(axis=1).sum())
        numbers["test_rows_with_missing"] = test_rows
        evidence += (f" The test data has {test_rows} rows with missing values, and every one of "
                     "them needs a prediction: dropping is not an option there.")
    if context.model is not None and context.budget.allows(2 * _fit_estimate(context)):
        cost = _cost_of_dropping(context, kept)
        if cost:
            numbers.update(cost)
            evidence += (f" Same model on the same held-out rows: {cost['dropped_rows']:.4f} when "
                         f"trained without those rows, {cost['all_rows_imputed']:.4f} when trained "
                         f"on all rows with imputation ({case.metric.title}).")
    yield Finding(
        id="rows-dropped", severity=Severity.SERIOUS if share >= DROPPED_SERIOUS else Severity.WARNING,
        title="Training rows with missing values were dropped",
        evidence=evidence,
        next_steps=["Keep every row; impute inside the pipeline: SimpleImputer(add_indicator=True)",
                    "Missingness itself is often a signal: the indicator column lets the model use it"],
        lesson="missing-values", numbers=numbers)


def _fit_estimate(context: Context) -> float:
    cv = context.cv
    if cv is None or not cv.folds:
        return 0.0
    return cv.fit_seconds / len(cv.folds)
