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
from sklearn.model_selection import KFold, StratifiedKFold

from tiltyard.challenges.manifest import Task
from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.case import Case, encode_target
from tiltyard.grading.metrics import Metric

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
    labels = encode_target(np.asarray(estimator.predict(X)).astype(str), task)
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


def splitter(case: Case, n_splits: int, seed: int):
    if case.is_classification:
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return KFold(n_splits=n_splits, shuffle=True, random_state=seed)


def _oof_array(case: Case, rows: int) -> np.ndarray:
    if case.task.type == "multiclass" and case.metric.needs_proba:
        return np.full((rows, len(case.task.classes)), np.nan)
    return np.full(rows, np.nan)


def cross_validate(case: Case, model: Any, *, n_splits: int = 5, seed: int = 0,
                   budget: TimeBudget | None = None,
                   on_fold: Callable[[int], None] | None = None) -> CrossValidation:
    """Fit ``model`` on each training fold; stop early on an error or a spent budget."""
    budget = budget or TimeBudget(None)
    X, y, truth = case.X_train, case.y_train, case.truth
    rows = len(X)
    result = CrossValidation(folds=[], oof=_oof_array(case, rows), oof_labels=None,
                             oof_decision=None, predicted=np.zeros(rows, dtype=bool), kind=None,
                             truth=truth, n_splits=n_splits)
    stratify_on = truth if case.is_classification else None
    for fold, (train_at, valid_at) in enumerate(splitter(case, n_splits, seed).split(X, stratify_on)):
        if fold and not budget.allows(result.fit_seconds / fold * 1.1):
            break
        estimator = clone(model)
        started = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                estimator.fit(X.iloc[train_at], y.iloc[train_at])
                fit_seconds = time.perf_counter() - started
                valid = model_output(estimator, X.iloc[valid_at], case.task, case.metric)
                train_sample = train_at[:: max(1, train_at.size // TRAIN_SCORE_ROWS)]
                train = model_output(estimator, X.iloc[train_sample], case.task, case.metric)
            result.warnings += [(w.category.__name__, str(w.message)) for w in caught]
        except Exception as exc:  # noqa: BLE001 - a failing fit is a finding, not a crash
            result.warnings += [(w.category.__name__, str(w.message)) for w in caught]
            result.error = exc
            result.error_trace = "".join(traceback.format_exception(exc)[-6:])
            break
        _store_fold(result, valid, valid_at)
        result.folds.append(FoldScore(
            train=case.metric(truth[train_sample], train.values),
            validation=case.metric(truth[valid_at], valid.values),
            fit_seconds=fit_seconds, validation_rows=valid_at.size))
        if fold == 0:
            result.fitted, result.fitted_rows = estimator, X.index[train_at]
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
