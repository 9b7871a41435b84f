"""Target leakage: a feature that knows the answer, an id the model can memorise, a column
that will not exist when the model has to predict."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from tiltyard.coach.case import subsample
from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.metrics import r2, roc_auc

LEAK_ROWS = 20_000
BINS = 64
SHRINK = 10.0
LEAK_AUC = 0.97  # a single column ranking the classes this well is almost never honest
LEAK_R2 = 0.95
ID_NAME = re.compile(r"(^|[_\s])(id|ids|index|idx|key|row|rownames|uuid|number)($|[_\s])|id$", re.I)
ID_UNIQUE_SHARE = 0.98


def _bin_codes(column: pd.Series) -> np.ndarray:
    """Each value's bin: up to BINS quantile bins for numbers (so a non-monotone leak or a
    sorted id still shows), one code per level for the rest; missing gets a code of its own."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        column = column.astype("int64")
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(values)
        if not present.any():
            return np.zeros(values.size, dtype=np.int64)
        edges = np.unique(np.quantile(values[present], np.linspace(0, 1, BINS + 1)[1:-1]))
        codes = np.searchsorted(edges, values, side="right")
        return np.where(present, codes, edges.size + 1).astype(np.int64)
    codes = pd.factorize(column)[0].astype(np.int64)
    return np.where(codes < 0, codes.max() + 1, codes)  # factorize marks missing as -1


def _out_of_fold_bin_means(codes: np.ndarray, target: np.ndarray, folds) -> np.ndarray:
    """Each row predicted by the target mean of its bin, learned on the other folds; rare bins
    are shrunk towards the overall mean so a bin of one row cannot echo its own label."""
    levels = int(codes.max()) + 1
    prediction = np.empty(target.size)
    for train_at, valid_at in folds:
        sums = np.bincount(codes[train_at], weights=target[train_at], minlength=levels)
        counts = np.bincount(codes[train_at], minlength=levels)
        prior = target[train_at].mean()
        prediction[valid_at] = ((sums + SHRINK * prior) / (counts + SHRINK))[codes[valid_at]]
    return prediction


def single_feature_scores(context: Context) -> dict[str, float]:
    """How well each column alone predicts the target on rows it did not see: ROC AUC for
    classes (one class against the rest for multiclass), R² for numbers."""
    case = context.case
    rows = subsample(case.X_train.index, case.y_train, LEAK_ROWS, context.seed)
    X = case.X_train.loc[rows]
    truth = case.truth[case.X_train.index.get_indexer(rows)]
    if case.task.type == "multiclass":
        truth = truth == np.bincount(truth).argmax()
    target = truth.astype(float)
    splitter = (StratifiedKFold(3, shuffle=True, random_state=context.seed) if case.is_classification
                else KFold(3, shuffle=True, random_state=context.seed))
    folds = list(splitter.split(X, target if case.is_classification else None))
    scores = {}
    for name in X.columns:
        prediction = _out_of_fold_bin_means(_bin_codes(X[name]), target, folds)
        if case.is_classification:
            scores[name] = roc_auc(target.astype(int), prediction) if 0 < target.sum() < target.size else 0.5
        else:
            scores[name] = r2(target, prediction)
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
