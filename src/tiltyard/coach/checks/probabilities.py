"""Probability metrics: hard labels where probabilities were needed, and calibration."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.metrics import get_metric, roc_auc

CALIBRATION_GAIN = 0.05  # recalibrating on held-out predictions lowers log loss by 5% or more
CALIBRATION_ERROR = 0.05
# Scores that read only the order of the probabilities: recalibrating cannot change them.
RANKING_METRICS = {"roc_auc", "average_precision"}


def _looks_like_labels(values: np.ndarray) -> bool:
    return values.ndim == 1 and np.unique(values[np.isfinite(values)]).size <= 2 and \
        set(np.unique(values[np.isfinite(values)]).tolist()) <= {0.0, 1.0}


def check_hard_labels(context: Context) -> Iterator[Finding]:
    case, metric = context.case, context.case.metric
    if not case.is_classification or not metric.needs_proba:
        return
    cv = context.cv
    if cv is not None and cv.folds:
        if cv.kind != "labels":
            return
        truth, done = cv.truth, cv.predicted
        numbers = {"cv_score_with_labels": cv.validation_score}
        evidence = (f"The model has no predict_proba, so it can only hand in hard labels. "
                    f"{metric.title} scores their ranking: cross-validated {cv.validation_score:.4f} "
                    "with labels.")
        if cv.oof_decision is not None and metric.name in ("roc_auc", "average_precision"):
            with_scores = metric(truth[done], cv.oof_decision[done])
            numbers["cv_score_with_decision_scores"] = with_scores
            evidence += f" The same fits' decision_function scores would give {with_scores:.4f}."
    elif context.test_output is not None and _looks_like_labels(context.test_output.values):
        values = context.test_output.values
        numbers = {"distinct_values": np.unique(values).tolist()}
        evidence = (f"Every prediction is 0 or 1, but {metric.title} needs the probability of "
                    f"{case.task.positive_label!r}. With labels, all rows predicted 1 tie with each "
                    "other: the metric cannot tell the likely ones from the borderline ones.")
    else:
        return
    yield Finding(
        id="hard-labels", severity=Severity.SERIOUS,
        title=f"Hard labels handed to a probability metric ({metric.title})",
        evidence=evidence,
        next_steps=["Submit predict_proba(X)[:, 1] (the probability of the positive class)",
                    "For an SVC: SVC(probability=True), or wrap it in CalibratedClassifierCV"],
        lesson="probabilities-and-calibration", numbers=numbers)


def _reliability(probability: np.ndarray, truth: np.ndarray, bins: int = 10):
    edges = np.quantile(probability, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, probability, side="right") - 1, 0, bins - 1)
    predicted, observed, weights = [], [], []
    for b in range(bins):
        members = which == b
        if members.any():
            predicted.append(probability[members].mean())
            observed.append(truth[members].mean())
            weights.append(members.mean())
    predicted, observed, weights = map(np.asarray, (predicted, observed, weights))
    return predicted, observed, float(np.sum(weights * np.abs(predicted - observed)))


def _recalibrated(probability: np.ndarray, truth: np.ndarray, seed: int) -> np.ndarray:
    """Isotonic recalibration, cross-fitted so it cannot flatter itself."""
    result = np.empty_like(probability)
    for fit_at, apply_at in KFold(2, shuffle=True, random_state=seed).split(probability):
        mapping = IsotonicRegression(y_min=1e-4, y_max=1 - 1e-4, out_of_bounds="clip")
        mapping.fit(probability[fit_at], truth[fit_at])
        result[apply_at] = mapping.predict(probability[apply_at])
    return result


def check_calibration(context: Context) -> Iterator[Finding]:
    case, cv = context.case, context.cv
    if case.task.type != "binary" or cv.kind != "proba":
        return
    if "log_loss" not in [m.name for m in case.all_metrics]:
        return
    done = cv.predicted
    probability, truth = cv.oof[done].astype(float), cv.truth[done]
    log_loss = get_metric("log_loss")
    before = log_loss(truth, probability)
    after = log_loss(truth, _recalibrated(probability, truth, context.seed))
    predicted, observed, error = _reliability(probability, truth)
    gain = (before - after) / before if before > 0 else 0.0
    numbers = {"log_loss": before, "log_loss_recalibrated": after, "expected_calibration_error": error,
               "roc_auc": roc_auc(truth, probability)}
    if gain < CALIBRATION_GAIN or error < CALIBRATION_ERROR:
        return
    plot = context.charts.reliability("calibration", predicted, observed,
                                      title=f"Reliability (expected calibration error {error:.3f})")
    scored, ranking = case.metric.title, case.metric.name in RANKING_METRICS
    severity = (Severity.SERIOUS if case.metric.name == "log_loss"
                else Severity.INFO if ranking else Severity.WARNING)
    evidence = (f"Out of fold, predicted probabilities are off from observed frequencies by "
                f"{error:.3f} on average (expected calibration error). Re-mapping them on held-out "
                f"rows lowers log loss from {before:.4f} to {after:.4f} ({gain:.0%}) without changing "
                "their order")
    if ranking:
        yield Finding(
            id="poor-calibration", severity=severity, plot=plot, numbers=numbers,
            title=f"Probabilities are miscalibrated; {scored}, the score here, does not mind",
            evidence=evidence + f". {scored} reads only that order, so your score would not move.",
            next_steps=["Nothing to change for this score; if you use these numbers as "
                        "probabilities elsewhere, wrap the model in CalibratedClassifierCV"],
            lesson="probabilities-and-calibration")
        return
    yield Finding(
        id="poor-calibration", severity=severity, plot=plot, numbers=numbers,
        title="Probabilities are miscalibrated: log loss pays for it",
        evidence=evidence + ", so ROC AUC would not move but log loss does.",
        next_steps=["Wrap the model in CalibratedClassifierCV(method='isotonic' or 'sigmoid')",
                    "Prefer models trained on log loss (logistic regression, boosting) when "
                    "probabilities are what is scored"],
        lesson="probabilities-and-calibration")
