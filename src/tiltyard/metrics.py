"""Metrics in NumPy, each declaring its direction and what predictions it needs.

Encodings the grader hands to every metric:
- binary: ``y_true`` holds 0/1 (1 = the positive label); ``y_pred`` holds P(positive) for
  probability metrics and 0/1 for label metrics;
- multiclass: ``y_true`` holds class indices; ``y_pred`` is an (n, k) probability matrix for
  probability metrics and class indices for label metrics;
- regression: both are floats.

Each equals scikit-learn's function on the same inputs (tests/grading/test_metrics.py);
we keep our own so that grading a million rows costs a sort, not a DataFrame round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tiltyard.errors import TiltyardError, did_you_mean

Direction = Literal["maximize", "minimize"]
Needs = Literal["proba", "labels", "values"]


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    direction: Direction
    needs: Needs
    tasks: tuple[str, ...]
    compute: Callable[[np.ndarray, np.ndarray], float]
    lower_bound: float | None = None  # predictions must lie strictly above it

    @property
    def needs_proba(self) -> bool:
        return self.needs == "proba"

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(self.compute(np.asarray(y_true), np.asarray(y_pred)))

    def better(self, a: float, b: float) -> bool:
        """True when score ``a`` beats score ``b``."""
        return a > b if self.direction == "maximize" else a < b

    def sort_key(self, score: float) -> float:
        """Ascending sort of this key puts the best score first."""
        return -score if self.direction == "maximize" else score


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank (as scipy's rankdata 'average')."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    group_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(group_rank, ends - starts)
    return ranks


def _binary_roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise TiltyardError("ROC AUC needs both classes among the true labels",
                            expected="at least one positive and one negative row",
                            got=f"{n_pos} positive and {n_neg} negative rows")
    ranks = average_ranks(score.astype(np.float64, copy=False))
    return (ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if y_pred.ndim == 1:
        return _binary_roc_auc(y_true == 1, y_pred)
    # One-vs-rest, macro average: as sklearn's roc_auc_score(multi_class="ovr").
    return float(np.mean([_binary_roc_auc(y_true == k, y_pred[:, k])
                          for k in range(y_pred.shape[1])]))


def average_precision(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    positive = y_true == 1
    n_pos = int(positive.sum())
    if n_pos == 0:
        raise TiltyardError("Average precision needs at least one positive true label",
                            expected="one or more positive rows", got="none")
    order = np.argsort(-y_pred.astype(np.float64, copy=False), kind="mergesort")
    ordered = y_pred[order]
    hits = positive[order]
    # One point per distinct score: the last row of each tie group.
    last_of_group = np.r_[np.flatnonzero(ordered[1:] != ordered[:-1]), ordered.size - 1]
    true_pos = np.cumsum(hits)[last_of_group]
    predicted_pos = last_of_group + 1
    precision = true_pos / predicted_pos
    recall = true_pos / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_pred = y_pred.astype(np.float64, copy=False)
    eps = np.finfo(np.float64).eps
    if y_pred.ndim == 1:
        p = np.clip(y_pred, eps, 1 - eps)
        return float(-np.mean(np.where(y_true == 1, np.log(p), np.log1p(-p))))
    proba = np.clip(y_pred, eps, 1 - eps)
    proba = proba / proba.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(proba[np.arange(y_true.size), y_true])))


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true == y_pred))


def _confusion(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    labels = np.union1d(y_true, y_pred)
    true_idx = np.searchsorted(labels, y_true)
    pred_idx = np.searchsorted(labels, y_pred)
    k = labels.size
    return np.bincount(true_idx * k + pred_idx, minlength=k * k).reshape(k, k)


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    confusion = _confusion(y_true, y_pred)
    support = confusion.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(confusion)[present] / support[present]))


def f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Binary: F1 of the positive class. Multiclass: macro average over all labels seen."""
    labels = np.union1d(y_true, y_pred)
    is_binary = set(labels.tolist()) <= {0, 1}
    classes = [1] if is_binary else labels
    scores = []
    for label in classes:
        tp = np.sum((y_true == label) & (y_pred == label))
        denominator = np.sum(y_true == label) + np.sum(y_pred == label)
        scores.append(0.0 if denominator == 0 else 2.0 * tp / denominator)
    return float(np.mean(scores))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    diff = y_true.astype(np.float64) - y_pred.astype(np.float64)
    return float(np.sqrt(np.mean(diff * diff)))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.abs(y_true.astype(np.float64) - y_pred.astype(np.float64))))


def rmsle(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return rmse(np.log1p(y_true.astype(np.float64)), np.log1p(y_pred.astype(np.float64)))


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true = y_true.astype(np.float64)
    residual = np.sum((y_true - y_pred) ** 2)
    total = np.sum((y_true - y_true.mean()) ** 2)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1.0 - residual / total)


CLASSIFICATION = ("binary", "multiclass")
METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("accuracy", "Accuracy", "maximize", "labels", CLASSIFICATION, accuracy),
    Metric("balanced_accuracy", "Balanced accuracy", "maximize", "labels", CLASSIFICATION,
           balanced_accuracy),
    Metric("roc_auc", "ROC AUC", "maximize", "proba", CLASSIFICATION, roc_auc),
    Metric("log_loss", "Log loss", "minimize", "proba", CLASSIFICATION, log_loss),
    Metric("f1", "F1", "maximize", "labels", CLASSIFICATION, f1),
    Metric("average_precision", "Average precision", "maximize", "proba", ("binary",),
           average_precision),
    Metric("rmse", "RMSE", "minimize", "values", ("regression",), rmse),
    Metric("mae", "MAE", "minimize", "values", ("regression",), mae),
    Metric("rmsle", "RMSLE", "minimize", "values", ("regression",), rmsle, lower_bound=-1.0),
    Metric("r2", "R²", "maximize", "values", ("regression",), r2),
]}


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise TiltyardError(f"Unknown metric {name!r}", expected=", ".join(METRICS), got=name,
                            hint=did_you_mean(name, METRICS), code="unknown_metric") from None
