"""Cross-validate the learner's model once; every model-based check reads this one run.

Fitting is the cost the coach cannot avoid (the benchmark's floor), so it happens here and
only here: out-of-fold predictions, train-fold scores, a fitted model to look inside,
the warnings the fits raised and the error that stopped them.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

from tiltyard.challenges.manifest import Task
from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.case import Case, encode_learner_target
from tiltyard.metrics import Metric

TRAIN_SCORE_ROWS = 10_000  # train-fold rows re-predicted for the train score; enough to read a gap

OutputKind = Literal["proba", "labels", "values"]


@dataclass
class ModelOutput:
    """What the model would hand the grader, encoded for the metric, plus hard labels."""

    values: np.ndarray
    kind: OutputKind
    labels: np.ndarray | None = None
    decision: np.ndarray | None = None  # decision_function scores of a model without proba


def _positive_column(classes: list[str], task: Task) -> int:
    return classes.index(str(task.positive_label))


def model_output(estimator: Any, X: pd.DataFrame, task: Task, metric: Metric) -> ModelOutput:
    if task.type == "regression":
        return ModelOutput(values=np.asarray(estimator.predict(X), dtype=float), kind="values")
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(X), dtype=float)
        fitted_classes = [str(c) for c in estimator.classes_]
        ordered = np.zeros((proba.shape[0], len(task.classes)))
        for target_index, name in enumerate(task.classes):
            if name in fitted_classes:
                ordered[:, target_index] = proba[:, fitted_classes.index(name)]
        labels = np.argmax(ordered, axis=1)
        if task.type == "binary":
            positive = ordered[:, task.classes.index(str(task.positive_label))]
            labels = (positive >= 0.5).astype(np.int64)
            values = positive if metric.needs_proba else labels
        else:
            values = ordered if metric.needs_proba else labels
        return ModelOutput(values=values, kind="proba", labels=labels)
    labels = encode_learner_target(np.asarray(estimator.predict(X)).astype(str), task)
    decision = None
    if task.type == "binary" and hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(X), dtype=float)
        fitted_classes = [str(c) for c in estimator.classes_]
        decision = scores if _positive_column(fitted_classes, task) == 1 else -scores
    return ModelOutput(values=labels, kind="labels", labels=labels, decision=decision)


@dataclass
class FoldScore:
    train: float
    validation: float
    fit_seconds: float
    validation_rows: int
    train_at: np.ndarray  # row positions the fold trained on (the learning curve refits subsets)
    valid_at: np.ndarray


@dataclass
class CrossValidation:
    folds: list[FoldScore]
    oof: np.ndarray
    oof_labels: np.ndarray | None
    oof_decision: np.ndarray | None
    predicted: np.ndarray  # rows that received an out-of-fold prediction
    kind: OutputKind | None
    truth: np.ndarray
    fitted: Any | None = None
    fitted_rows: pd.Index | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)
    error: BaseException | None = None
    error_trace: str = ""
    n_splits: int = 5
    time_ordered: bool = False

    @property
    def completed(self) -> bool:
        return self.error is None and len(self.folds) == self.n_splits

    @property
    def validation_score(self) -> float:
        return float(np.mean([f.validation for f in self.folds])) if self.folds else float("nan")

    @property
    def validation_std(self) -> float:
        return float(np.std([f.validation for f in self.folds], ddof=1)) if len(self.folds) > 1 else float("nan")

    @property
    def train_score(self) -> float:
        return float(np.mean([f.train for f in self.folds])) if self.folds else float("nan")

    @property
    def fit_seconds(self) -> float:
        return float(sum(f.fit_seconds for f in self.folds))

    def warning_messages(self, category: str) -> list[str]:
        return list(dict.fromkeys(msg for cat, msg in self.warnings if cat == category))

    @property
    def scheme(self) -> str:
        """How the folds were cut, in words a report can show."""
        return describe_folds(self.time_ordered, self.n_splits)


def describe_folds(time_ordered: bool, n_splits: int) -> str:
    if time_ordered:
        return (f"{n_splits} forward-chaining folds, each trained on the rows that come before its "
                "validation rows in train.csv")
    return f"{n_splits} shuffled folds"


def fold_indices(case: Case, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Row positions (train, validation) per fold.

    On a time-split challenge the folds chain forward in the rows' time order (their index, the
    row of train.csv): shuffling would let the model train on the days after those it is
    validated on, and flatter a model that memorises dates.
    """
    if case.time_ordered:
        order = np.argsort(case.X_train.index.to_numpy(), kind="stable")
        return [(order[train_at], order[valid_at])
                for train_at, valid_at in TimeSeriesSplit(n_splits=n_splits).split(order)]
    if case.is_classification:
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        return list(folds.split(case.X_train, case.truth))
    return list(KFold(n_splits=n_splits, shuffle=True, random_state=seed).split(case.X_train))


def _oof_array(case: Case, rows: int) -> np.ndarray:
    if case.task.type == "multiclass" and case.metric.needs_proba:
        return np.full((rows, len(case.task.classes)), np.nan)
    return np.full(rows, np.nan)


@dataclass
class FittedFold:
    estimator: Any
    valid: ModelOutput
    train_score: float
    validation_score: float
    fit_seconds: float


def fit_and_score(case: Case, model: Any, train_at: np.ndarray, valid_at: np.ndarray) -> FittedFold:
    """Fit a clone on ``train_at``, score it there (on a sample) and on ``valid_at``.

    Raises whatever the learner's model raises; callers decide whether that is a finding."""
    X, y, truth = case.X_train, case.y_train, case.truth
    estimator = clone(model)
    started = time.perf_counter()
    estimator.fit(X.iloc[train_at], y.iloc[train_at])
    fit_seconds = time.perf_counter() - started
    valid = model_output(estimator, X.iloc[valid_at], case.task, case.metric)
    train_sample = train_at[:: max(1, train_at.size // TRAIN_SCORE_ROWS)]
    train = model_output(estimator, X.iloc[train_sample], case.task, case.metric)
    return FittedFold(estimator=estimator, valid=valid, fit_seconds=fit_seconds,
                      train_score=case.metric(truth[train_sample], train.values),
                      validation_score=case.metric(truth[valid_at], valid.values))


def cross_validate(case: Case, model: Any, *, n_splits: int = 5, seed: int = 0,
                   budget: TimeBudget | None = None,
                   on_fold: Callable[[int], None] | None = None) -> CrossValidation:
    """Fit ``model`` on each training fold; stop early on an error or a spent budget."""
    budget = budget or TimeBudget(None)
    rows = len(case.X_train)
    result = CrossValidation(folds=[], oof=_oof_array(case, rows), oof_labels=None,
                             oof_decision=None, predicted=np.zeros(rows, dtype=bool), kind=None,
                             truth=case.truth, n_splits=n_splits, time_ordered=case.time_ordered)
    for fold, (train_at, valid_at) in enumerate(fold_indices(case, n_splits, seed)):
        # Time-ordered folds grow: the next one costs about (fold + 2) / (fold + 1) of the last.
        growth = (fold + 1) / fold if case.time_ordered and fold else 1.0
        if fold and not budget.allows(result.folds[-1].fit_seconds * growth * 1.1):
            break
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fitted = fit_and_score(case, model, train_at, valid_at)
            result.warnings += [(w.category.__name__, str(w.message)) for w in caught]
        except Exception as exc:  # noqa: BLE001 - a failing fit is a finding, not a crash
            result.warnings += [(w.category.__name__, str(w.message)) for w in caught]
            result.error = exc
            result.error_trace = "".join(traceback.format_exception(exc)[-6:])
            break
        _store_fold(result, fitted.valid, valid_at)
        result.folds.append(FoldScore(
            train=fitted.train_score, validation=fitted.validation_score,
            fit_seconds=fitted.fit_seconds, validation_rows=valid_at.size,
            train_at=train_at, valid_at=valid_at))
        # The model the checks look inside: the one trained on the most rows (on time-ordered
        # folds, the latest and largest window; on shuffled folds, the first).
        if result.fitted is None or train_at.size > len(result.fitted_rows):
            result.fitted, result.fitted_rows = fitted.estimator, case.X_train.index[train_at]
        if on_fold:
            on_fold(fold)
    return result


def _store_fold(result: CrossValidation, output: ModelOutput, at: np.ndarray) -> None:
    result.kind = output.kind
    result.oof[at] = output.values
    result.predicted[at] = True
    if output.labels is not None:
        if result.oof_labels is None:
            result.oof_labels = np.full(result.predicted.size, -1, dtype=np.int64)
        result.oof_labels[at] = output.labels
    if output.decision is not None:
        if result.oof_decision is None:
            result.oof_decision = np.full(result.predicted.size, np.nan)
        result.oof_decision[at] = output.decision
