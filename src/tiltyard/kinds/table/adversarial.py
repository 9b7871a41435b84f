"""Adversarial validation: can a classifier tell the training rows from the test rows?

A split that claims to be random must leave train and test alike, so that a model trained to
tell them apart does no better than chance. If it does better, the split is not what it
claims (house-prices-v1's "random" test set was the 2009–2010 sales), and the columns that
tell them apart say how.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

MAX_ROWS = 20_000  # rows the classifier sees: a few seconds on one thread
FOLDS = 5
CHANCE_AUC = 0.55  # smallest AUC called a difference, however many rows
NULL_SDS = 4  # ...raised to 4 null standard deviations above 0.5 for small tables
MAX_NATIVE_LEVELS = 250  # more levels than this are ordinal codes (gradient boosting's bins)
COLUMN_BINS = 20  # quantile bins of a number, for the single-column AUCs
GIVEAWAYS_SHOWN = 3


@dataclass(frozen=True)
class AdversarialResult:
    auc: float
    """Cross-validated ROC AUC of a classifier telling test rows (1) from train rows (0)."""
    threshold: float
    """The largest AUC still called chance for tables of these sizes."""
    passed: bool
    column_aucs: dict[str, float]
    """Each column's own cross-validated AUC, most telling first."""
    rows: int
    """Rows the classifier saw (train and test together, after subsampling)."""

    @property
    def giveaways(self) -> list[str]:
        """The columns that tell train from test beyond chance on their own, most telling first."""
        return [name for name, auc in self.column_aucs.items() if auc > self.threshold]

    @property
    def detail(self) -> str:
        top = [f"{name} ({auc:.2f} alone)" for name, auc in
               list(self.column_aucs.items())[:GIVEAWAYS_SHOWN]]
        if self.passed:
            return (f"train and test look alike: ROC AUC {self.auc:.2f}, within chance "
                    f"(≤ {self.threshold:.2f}); most telling columns: {', '.join(top) or 'none'}")
        named = [f"{name} ({self.column_aucs[name]:.2f} alone)"
                 for name in self.giveaways[:GIVEAWAYS_SHOWN]]
        if named:
            culprit = f"{named[0]} gives it away" + (f"; so do {', '.join(named[1:])}"
                                                     if named[1:] else "")
        else:
            culprit = f"no column does it alone; the most telling are {', '.join(top)}"
        return (f"train and test can be told apart: ROC AUC {self.auc:.2f} (chance is "
                f"≤ {self.threshold:.2f}); {culprit}")


def claims_random_split(method: str) -> bool:
    """Whether a manifest's split.method promises a random split ("random", "stratified random")."""
    return "random" in method.lower().split()


def chance_threshold(train_rows: int, test_rows: int) -> float:
    """The largest AUC a random split is expected to reach.

    Under a random split the classifier's scores carry no information, and the AUC of
    uninformative scores is Mann–Whitney's U over n1·n2, which is close to normal around 0.5
    with sd sqrt((n1 + n2 + 1) / (12·n1·n2)). Four sds (a false alarm about once in 30,000
    checks) matter only for small tables; past a few hundred rows a floor of 0.55 keeps
    differences too small to matter from failing a bundle.
    """
    n1, n2 = max(train_rows, 1), max(test_rows, 1)
    sd = math.sqrt((n1 + n2 + 1) / (12 * n1 * n2))
    return max(CHANCE_AUC, 0.5 + NULL_SDS * sd)


def adversarial_split(train: pd.DataFrame, test: pd.DataFrame, *, feature_columns: list[str],
                      seed: int, threads: int = 1) -> AdversarialResult:
    """Train gradient boosting to tell ``test`` rows from ``train`` rows, cross-validated.

    Passes when the out-of-fold ROC AUC is within :func:`chance_threshold`. At most
    ``MAX_ROWS`` rows are used (train and test subsampled alike, seeded), and the fits run on
    ``threads`` OpenMP threads.
    """
    train, test = _subsample(train[feature_columns], test[feature_columns], seed)
    frame = pd.concat([train, test], ignore_index=True)
    is_test = np.r_[np.zeros(len(train), dtype=int), np.ones(len(test), dtype=int)]
    features, native = _encode(frame)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    model = HistGradientBoostingClassifier(max_iter=100, categorical_features=native,
                                           early_stopping=False, random_state=seed)
    with threadpool_limits(limits=threads):
        scores = cross_val_predict(model, features, is_test, cv=folds, method="predict_proba")[:, 1]
    column_aucs = {name: _column_auc(frame[name], is_test, folds) for name in feature_columns}
    column_aucs = dict(sorted(column_aucs.items(), key=lambda item: -item[1]))
    auc = float(roc_auc_score(is_test, scores))
    threshold = chance_threshold(len(train), len(test))
    return AdversarialResult(auc=auc, threshold=threshold, passed=auc <= threshold,
                             column_aucs=column_aucs, rows=len(frame))


def _subsample(train: pd.DataFrame, test: pd.DataFrame, seed: int):
    total = len(train) + len(test)
    if total <= MAX_ROWS:
        return train, test
    share = MAX_ROWS / total  # the same share of each keeps the train:test ratio
    rng = np.random.default_rng(seed)
    return tuple(part.iloc[np.sort(rng.choice(len(part), round(share * len(part)), replace=False))]
                 for part in (train, test))


def _encode(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[bool]]:
    """Numbers as they are; text as ordinal codes of its sorted levels (dates written as text
    keep their order), native categories when there are few enough levels."""
    encoded, native = {}, []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            encoded[name] = column.astype(float)
            native.append(False)
            continue
        text = column.astype("string")
        levels = np.sort(text.dropna().unique())
        codes = pd.Series(pd.Categorical(text, categories=levels).codes, index=frame.index)
        encoded[name] = codes.where(codes >= 0).astype(float)  # missing stays missing
        native.append(len(levels) <= MAX_NATIVE_LEVELS)
    return pd.DataFrame(encoded), native


def _column_auc(column: pd.Series, is_test: np.ndarray, folds: StratifiedKFold) -> float:
    """One column's power to tell test from train: each level (a number's quantile bin, a
    missing value a level of its own) scored by its share of test rows in the other folds,
    so a level seen once (a name, an id) tells nothing. A high share already points towards
    test, so the AUC is taken as it is (flipping AUCs below 0.5 would turn the small negative
    bias of out-of-fold shares into a spurious signal)."""
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > COLUMN_BINS:
        levels = pd.qcut(column, COLUMN_BINS, duplicates="drop").astype("string")
    else:
        levels = column.astype("string")
    levels = levels.fillna("<missing>").to_numpy()
    prior, scores = is_test.mean(), np.empty(len(levels))
    for fit, held in folds.split(levels, is_test):
        shares = pd.Series(is_test[fit]).groupby(levels[fit]).agg(["sum", "count"])
        smoothed = (shares["sum"] + prior) / (shares["count"] + 1)
        scores[held] = pd.Series(levels[held]).map(smoothed).fillna(prior).to_numpy()
    return float(roc_auc_score(is_test, scores))
