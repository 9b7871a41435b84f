"""Chart data for a report: what kind of mistakes the predictions make, not only how many.

Pure functions over arrays already encoded as the metrics expect (see ``metrics``). The grader
hands them the PUBLIC rows only: a chart must never tell anything about the private split,
whose scores stay hidden until a submission is chosen as final.

- label metrics: a confusion matrix (counts, true class x predicted class);
- probability metrics: reliability bins (mean predicted probability against the observed
  frequency, as scikit-learn's ``calibration_curve`` with uniform bins) and the distribution of
  the predicted probability for each true class;
- regression: residuals (true - predicted) summarised by decile of the predicted value.
"""

from __future__ import annotations

import numpy as np

from tiltyard.challenges.manifest import Task
from tiltyard.metrics import Metric

RELIABILITY_BINS = 10
DISTRIBUTION_BINS = 20
DECILES = 10


def class_labels(task: Task) -> list[str]:
    """Names in the order of the encoded classes: [negative, positive] for binary."""
    if task.type == "binary":
        negative = next(c for c in task.classes if c != task.positive_label)
        return [negative, task.positive_label]
    return list(task.classes)


def chart_data(task: Task, metric: Metric, y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """The charts that fit this task and metric, as plain JSON-ready data."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.size == 0:
        return {}
    if task.type == "regression":
        return {"residuals": residuals_by_decile(y_true, y_pred.astype(np.float64))}
    labels = class_labels(task)
    if not metric.needs_proba:
        return {"confusion": confusion(y_true, y_pred.astype(np.int64), labels)}
    if task.type == "binary":
        probability, positive = y_pred.astype(np.float64), y_true == 1
        return {"reliability": reliability(positive, probability),
                "distribution": distribution_by_class(y_true, probability, labels,
                                                      of=f"P({labels[1]})")}
    # Multiclass: the confidence of the top class against how often it is right, the
    # confusion of the top class, and the probability given to the true class.
    top = y_pred.argmax(axis=1)
    confidence = y_pred.max(axis=1)
    true_class_probability = y_pred[np.arange(y_true.size), y_true]
    return {"reliability": reliability(top == y_true, confidence),
            "confusion": confusion(y_true, top, labels),
            "distribution": distribution_by_class(y_true, true_class_probability, labels,
                                                  of="P(true class)")}


def confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    k = len(labels)
    counts = np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)
    return {"labels": labels, "counts": counts.tolist()}


def reliability(outcome: np.ndarray, probability: np.ndarray,
                bins: int = RELIABILITY_BINS) -> dict:
    """Uniform bins over [0, 1]; empty bins are left out (as ``calibration_curve`` does)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges[1:-1], probability), 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=probability, minlength=bins)
    observed = np.bincount(index, weights=outcome.astype(np.float64), minlength=bins)
    filled = count > 0
    return {"bin_start": edges[:-1][filled].tolist(), "bin_end": edges[1:][filled].tolist(),
            "mean_predicted": (predicted[filled] / count[filled]).tolist(),
            "fraction_positive": (observed[filled] / count[filled]).tolist(),
            "count": count[filled].tolist()}


def distribution_by_class(y_true: np.ndarray, probability: np.ndarray, labels: list[str], *,
                          of: str, bins: int = DISTRIBUTION_BINS) -> dict:
    """Histogram (row counts over uniform bins of [0, 1]) of ``probability`` per true class."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = {label: np.histogram(probability[y_true == code], bins=edges)[0].tolist()
              for code, label in enumerate(labels)}
    return {"of": of, "edges": edges.tolist(), "counts": counts}


def residuals_by_decile(y_true: np.ndarray, y_pred: np.ndarray, deciles: int = DECILES) -> dict:
    """Rows sorted by predicted value and cut into (at most) ``deciles`` groups of near-equal
    size; per group the range of predictions and quantiles of the residual."""
    order = np.argsort(y_pred, kind="mergesort")
    groups = [g for g in np.array_split(order, min(deciles, y_pred.size)) if g.size]
    rows = []
    for number, group in enumerate(groups, start=1):
        residual = y_true[group] - y_pred[group]
        p10, p25, p50, p75, p90 = np.percentile(residual, [10, 25, 50, 75, 90]).tolist()
        rows.append({"decile": number, "predicted_from": float(y_pred[group].min()),
                     "predicted_to": float(y_pred[group].max()),
                     "mean_predicted": float(y_pred[group].mean()),
                     "mean_residual": float(residual.mean()), "p10": p10, "p25": p25,
                     "median": p50, "p75": p75, "p90": p90, "count": int(group.size)})
    return {"deciles": rows}
