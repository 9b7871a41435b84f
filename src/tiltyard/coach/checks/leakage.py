"""Target leakage: a feature that knows the answer, an id the model can memorise, a column
that will not exist when the model has to predict."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from tiltyard.coach.case import subsample
from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity

LEAK_ROWS = 20_000
LEAK_AUC = 0.97  # a single column ranking the classes this well is almost never honest
LEAK_R2 = 0.95
ID_NAME = re.compile(r"(^|[_\s])(id|ids|index|idx|key|row|rownames|uuid|number)($|[_\s])|id$", re.I)
ID_UNIQUE_SHARE = 0.98


def _numeric_view(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.astype(float).to_numpy()
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.astype("int64").to_numpy(dtype=float)
    return None


def _out_of_fold_target_mean(codes: np.ndarray, target: np.ndarray, folds) -> np.ndarray:
    prediction = np.empty(target.size)
    for train_at, valid_at in folds:
        sums = pd.Series(target[train_at]).groupby(codes[train_at]).agg(["sum", "count"])
        prior, weight = target[train_at].mean(), 10.0  # shrink rare levels towards the mean
        means = (sums["sum"] + prior * weight) / (sums["count"] + weight)
        prediction[valid_at] = pd.Series(codes[valid_at]).map(means).fillna(prior).to_numpy()
    return prediction


def single_feature_scores(context: Context) -> dict[str, float]:
    """How well each column alone predicts the target (ROC AUC for classes, R² for numbers).

    Numbers go through a small cross-fitted tree (catches non-monotone leaks and sorted ids);
    categories through a cross-fitted target mean.
    """
    case = context.case
    rows = subsample(case.X_train.index, case.y_train, LEAK_ROWS, context.seed)
    X = case.X_train.loc[rows]
    truth = case.truth[case.X_train.index.get_indexer(rows)]
    binary_view = truth if case.task.type != "multiclass" else (truth == np.bincount(truth).argmax())
    target = binary_view.astype(float)
    splitter = (StratifiedKFold(3, shuffle=True, random_state=context.seed) if case.is_classification
                else KFold(3, shuffle=True, random_state=context.seed))
    folds = list(splitter.split(X, target if case.is_classification else None))
    scores = {}
    for name in X.columns:
        numeric = _numeric_view(X[name])
        prediction = np.empty(target.size)
        if numeric is not None:
            tree = (DecisionTreeClassifier if case.is_classification else DecisionTreeRegressor)(
                max_leaf_nodes=64, min_samples_leaf=5, random_state=0)
            column = numeric.reshape(-1, 1)
            for train_at, valid_at in folds:
                tree.fit(column[train_at], target[train_at])
                prediction[valid_at] = (tree.predict_proba(column[valid_at])[:, -1]
                                        if case.is_classification else tree.predict(column[valid_at]))
        else:
            codes = pd.factorize(X[name].astype(str))[0]
            prediction = _out_of_fold_target_mean(codes, target, folds)
        if case.is_classification:
            scores[name] = float(roc_auc_score(target, prediction)) if np.unique(target).size > 1 else 0.5
        else:
            scores[name] = float(r2_score(target, prediction))
    return scores


def _is_id_like(name: str, column: pd.Series, id_column: str) -> bool:
    if name == id_column:
        return True
    if pd.api.types.is_float_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return False
    if column.nunique(dropna=True) < ID_UNIQUE_SHARE * len(column):
        return False
    if ID_NAME.search(name):
        return True
    if pd.api.types.is_integer_dtype(column.dtype):
        values = column.dropna()
        span = values.max() - values.min() + 1
        return values.is_monotonic_increasing or span <= 1.05 * len(values)
    return False


def check_leakage(context: Context) -> Iterator[Finding]:
    case = context.case
    scores = single_feature_scores(context)
    unit = "ROC AUC" if case.is_classification else "R²"
    limit = LEAK_AUC if case.is_classification else LEAK_R2
    ranked = sorted(scores, key=scores.get, reverse=True)
    plot_columns = ranked[:15]
    leaks = [name for name in ranked if scores[name] >= limit]
    id_like = [name for name in case.X_train.columns
               if _is_id_like(name, case.X_train[name], case.task.id_column)]
    train_only = ([] if case.X_test is None
                  else [c for c in case.X_train.columns if c not in case.X_test.columns])

    def chart(name: str, marked: list[str]):
        return context.charts.bars(
            name, plot_columns, [scores[c] for c in plot_columns],
            title=f"Each column alone: cross-validated {unit}", xlabel=unit,
            highlight=[i for i, c in enumerate(plot_columns) if c in marked],
            line=limit, line_label="almost perfect")

    if leaks:
        described = ", ".join(f"{c} ({unit} {scores[c]:.3f})" for c in leaks[:5])
        yield Finding(
            id="target-leakage", severity=Severity.SERIOUS,
            title="A single column predicts the target almost perfectly",
            evidence=f"On its own, {described} predicts {case.task.target!r} on rows it did not "
                     "see. Real signals are rarely that clean: the column is most likely computed "
                     "from the target, or recorded after the outcome was known.",
            next_steps=[f"Ask how {leaks[0]!r} is produced, and whether it exists at the moment a "
                        "prediction is needed", "Drop it and compare the cross-validated score: an "
                        "honest model loses a little, a leaking one collapses"],
            lesson="target-leakage", numbers={"single_column_scores": {c: scores[c] for c in leaks}},
            plot=chart("leakage_single_columns", leaks))
    for name in id_like:
        predictive = scores.get(name, 0.5) >= (0.6 if case.is_classification else 0.1)
        yield Finding(
            id="id-like-feature", severity=Severity.SERIOUS if predictive else Severity.WARNING,
            title=f"An identifier is used as a feature: {name!r}",
            evidence=f"{name!r} takes a different value on {case.X_train[name].nunique()} of "
                     f"{len(case.X_train)} rows, like a row id. Alone it scores {unit} "
                     f"{scores.get(name, float('nan')):.3f}"
                     + (": it tracks how rows were ordered or collected, which will not hold for new "
                        "rows." if predictive else "; at best the model memorises it, at worst it "
                        "learns the order in which rows were recorded."),
            next_steps=[f"Drop {name!r} from the features (keep it only to join and to submit)"],
            lesson="target-leakage", numbers={"column": name, "single_column_score": scores.get(name)},
            plot=chart("leakage_id_like", [name]))
    if train_only:
        yield Finding(
            id="train-only-feature", severity=Severity.SERIOUS,
            title="Features exist in training data but not in the test data",
            evidence=f"{', '.join(map(repr, train_only[:8]))} "
                     f"{'is' if len(train_only) == 1 else 'are'} in the training features but absent "
                     "from the test features. A model that learns from them cannot be used at "
                     "prediction time, and they are often recorded after the outcome (alone: "
                     + ", ".join(f"{c} {unit} {scores.get(c, float('nan')):.3f}" for c in train_only[:5])
                     + ").",
            next_steps=["Build features only from columns that the test data has too",
                        "Compute the same feature for train and test with one function"],
            lesson="target-leakage", numbers={"columns": train_only},
            plot=chart("leakage_train_only", train_only))
