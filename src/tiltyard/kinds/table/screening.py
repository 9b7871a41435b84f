"""What a dataset must not hold before it becomes a challenge: a single column that gives the
answer away, rows shared by train and test, constant columns, copies of the target, columns
that look like personal data, and row order tied to the target.

Each detector reads plain DataFrames, so the checker (on a built bundle) and ``tiltyard author
inspect`` (on an author's data before it is split) call the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from threadpoolctl import threadpool_limits

from tiltyard.challenges.manifest import Task

LEAK_AUC = 0.97  # one column alone separating the classes this well gives the answer away
LEAK_R2 = 0.95
LEAK_ROWS = 4000  # rows the single-column models see: enough to find a copy of the target
ORDER_TIE = 0.3  # rank correlation of row position and target above which order says it
PII_NAMES = re.compile(r"(^|_)(e-?mail|phone|telephone|mobile|ssn|social_security|passport|"
                       r"address|street|postcode|zip(code)?|birth_?date|dob|surname|"
                       r"first_?name|last_?name|full_?name|ip_?address)($|_)", re.IGNORECASE)
PII_VALUES = {"an e-mail address": re.compile(r"^[\w.+-]+@[\w-]+\.[\w.]+$"),
              "a phone number": re.compile(r"^\+?[\d ()-]{9,}$"),
              "an IP address": re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")}


@dataclass(frozen=True)
class ColumnScore:
    column: str
    score: float
    what: str  # "ROC AUC" or "R²"


def encoded_target(values: pd.Series, task: Task) -> np.ndarray:
    if task.type == "regression":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    return pd.factorize(values.astype(str), sort=True)[0]


def as_number(column: pd.Series) -> np.ndarray:
    """A column one tree can split: numbers as they are, anything else as category codes."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().sum() >= 0.9 * column.notna().sum():
        return numbers.to_numpy(dtype=float)
    codes = pd.factorize(column.astype("string"))[0].astype(float)
    codes[codes < 0] = np.nan
    return codes


def single_column_scores(frame: pd.DataFrame, task: Task, features: list[str], *,
                         seed: int) -> list[ColumnScore]:
    """Each feature alone, cross-validated (3 folds, a small tree): ROC AUC for classes
    (one-vs-rest, macro, for several), R² for a number."""
    if len(frame) > LEAK_ROWS:
        frame = frame.sample(LEAK_ROWS, random_state=seed)
    y = encoded_target(frame[task.target], task)
    keep = ~pd.isna(y)
    frame, y = frame.loc[keep], y[keep]
    regression = task.type == "regression"
    if regression:
        folds, model = KFold(3, shuffle=True, random_state=seed), DecisionTreeRegressor(
            max_leaf_nodes=16, random_state=seed)
    else:
        if np.bincount(y).min() < 3:
            return []
        folds, model = StratifiedKFold(3, shuffle=True, random_state=seed), DecisionTreeClassifier(
            max_leaf_nodes=16, random_state=seed)
    scores = []
    with threadpool_limits(limits=1):
        for name in features:
            scores.extend(_column_score(frame, name, y, model, folds, regression))
    return scores


def _column_score(frame, name, y, model, folds, regression) -> list[ColumnScore]:
    from sklearn.metrics import r2_score, roc_auc_score

    x = as_number(frame[name]).reshape(-1, 1)
    if np.isnan(x).all():
        return []
    if regression:
        score = r2_score(y, cross_val_predict(model, x, y, cv=folds))
    else:
        proba = cross_val_predict(model, x, y, cv=folds, method="predict_proba")
        score = (roc_auc_score(y, proba[:, 1]) if proba.shape[1] == 2
                 else roc_auc_score(y, proba, multi_class="ovr"))
    return [ColumnScore(name, float(score), "R²" if regression else "ROC AUC")]


def leaks(scores: list[ColumnScore]) -> list[ColumnScore]:
    return [s for s in scores if s.score >= (LEAK_R2 if s.what == "R²" else LEAK_AUC)]


def shared_rows(train: pd.DataFrame, test: pd.DataFrame, features: list[str]) -> int:
    """Rows of test whose every feature equals a row of train (ids and target left out)."""
    if not features:
        return 0
    seen = set(pd.util.hash_pandas_object(train[features].astype("string"), index=False))
    return int(pd.util.hash_pandas_object(test[features].astype("string"), index=False).isin(seen).sum())


def repeated_rows(frame: pd.DataFrame, features: list[str]) -> int:
    return int(frame[features].astype("string").duplicated().sum()) if features else 0


def constant_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].nunique(dropna=False) <= 1]


def target_copies(frame: pd.DataFrame, target: str) -> list[str]:
    """Columns that are the target under another name: equal to it, or (for classes) a
    one-to-one relabelling of it."""
    y = frame[target].astype("string")
    copies = []
    for name in frame.columns:
        if name == target:
            continue
        x = frame[name].astype("string")
        if x.equals(y):
            copies.append(name)
            continue
        pairs = pd.DataFrame({"x": x, "y": y}).dropna()
        if len(pairs) and 1 < pairs["y"].nunique() <= 50 and \
                pairs.groupby("x")["y"].nunique().max() == 1 and pairs.groupby("y")["x"].nunique().max() == 1:
            copies.append(name)
    return copies


def personal_data(frame: pd.DataFrame) -> dict[str, str]:
    """Columns that look like personal data, by name or by what most of their values look like."""
    found = {}
    for name in frame.columns:
        if PII_NAMES.search(str(name)):
            found[name] = "its name"
            continue
        values = frame[name].dropna().astype(str).head(200)
        for what, pattern in PII_VALUES.items():
            if len(values) and values.str.match(pattern).mean() > 0.5:
                found[name] = f"its values look like {what}"
                break
    return found


def order_tie(frame: pd.DataFrame, task: Task) -> float:
    """How strongly a row's place in the file tells its target (0: not at all, 1: fully), as
    the absolute rank correlation of position and target (each class against the rest)."""
    y = encoded_target(frame[task.target], task)
    position = pd.Series(np.arange(len(frame)), dtype=float)
    if task.type == "regression":
        return abs(float(position.corr(pd.Series(y), method="spearman") or 0.0))
    ties = [abs(float(position.corr(pd.Series((y == k).astype(float)), method="spearman") or 0.0))
            for k in np.unique(y[y >= 0])]
    return max(ties, default=0.0)
