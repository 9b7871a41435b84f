"""Predictions on the test rows against what the training target looks like."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity

RATE_FACTOR = 2.0


def _regression_problems(context: Context, predicted: np.ndarray) -> list[str]:
    truth = context.case.truth
    problems = []
    spread = truth.std()
    if np.all(predicted == predicted[0]):
        problems.append(f"every prediction is {predicted[0]:.4g}")
    elif predicted.std() < 0.1 * spread:
        problems.append(f"predictions spread {predicted.std():.4g}, a tenth of the target's {spread:.4g}")
    if abs(predicted.mean() - truth.mean()) > spread:
        problems.append(f"their mean {predicted.mean():.4g} is more than one standard deviation from "
                        f"the training mean {truth.mean():.4g}")
    if context.case.metric.name == "rmsle" and (predicted < 0).any():
        problems.append(f"{int((predicted < 0).sum())} are negative, which a log metric cannot score")
    low, high = truth.min(), truth.max()
    outside = np.mean((predicted < low - spread) | (predicted > high + spread))
    if outside > 0.01:
        problems.append(f"{outside:.1%} fall far outside the training range [{low:.4g}, {high:.4g}]")
    return problems


def _classification_problems(context: Context, output) -> list[str]:
    case, truth = context.case, context.case.truth
    problems = []
    if case.task.type == "binary" and output.values.ndim == 1:
        values = output.values.astype(float)
        base_rate = truth.mean()
        if np.unique(values).size == 1:
            problems.append(f"every row gets the same prediction ({values[0]:.4g})")
        elif output.kind != "labels" and case.metric.needs_proba:
            mean = values.mean()
            if not (base_rate / RATE_FACTOR <= mean <= min(1.0, base_rate * RATE_FACTOR)):
                problems.append(f"the mean predicted probability is {mean:.3f}, but {base_rate:.3f} of "
                                f"training rows are {case.task.positive_label!r}")
    return problems


def check_prediction_distribution(context: Context) -> Iterator[Finding]:
    output = context.test_output
    predicted = output.values
    if not np.all(np.isfinite(np.asarray(predicted, dtype=float))):
        problems = [f"{int(np.sum(~np.isfinite(np.asarray(predicted, dtype=float))))} predictions are NaN or infinite"]
    elif context.case.task.type == "regression":
        problems = _regression_problems(context, np.asarray(predicted, dtype=float))
    else:
        problems = _classification_problems(context, output)
    if not problems:
        return
    yield Finding(
        id="prediction-distribution", severity=Severity.WARNING,
        title="Test predictions do not look like the training target",
        evidence="On the test rows: " + "; ".join(problems) + ".",
        next_steps=["Plot a histogram of predictions beside the training target",
                    "Check that test features go through exactly the same preprocessing as training ones"],
        lesson="bias-and-variance", numbers={"problems": problems})
