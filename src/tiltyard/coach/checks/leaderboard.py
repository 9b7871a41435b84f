"""Leaderboard overfitting: many submissions chasing public gains smaller than its noise."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity

MIN_SUBMISSIONS = 10
NOISE_STEPS_SHARE = 0.6


def public_noise(context: Context) -> float | None:
    """Standard error of the public score: cross-validation spread rescaled to the public rows,
    or, without a model, the binomial error of a proportion (an upper bound for accuracy-like
    metrics on [0, 1])."""
    case, cv = context.case, context.cv
    rows = case.public_rows
    if not rows:
        return None
    if cv is not None and len(cv.folds) > 1 and np.isfinite(cv.validation_std):
        fold_rows = np.mean([f.validation_rows for f in cv.folds])
        return float(cv.validation_std * math.sqrt(fold_rows / rows))
    if case.is_classification:
        return math.sqrt(0.25 / rows)
    return None


def check_leaderboard(context: Context) -> Iterator[Finding]:
    case, metric = context.case, context.case.metric
    history = [float(s) for s in case.history]
    if len(history) < MIN_SUBMISSIONS:
        return
    noise = public_noise(context)
    best, improvements = history[0], []
    for score in history[1:]:
        if metric.better(score, best):
            improvements.append(abs(score - best))
            best = score
    if noise is None:  # no noise estimate: call a gain tiny when under 0.5% of the score
        noise = 0.005 * abs(best)
    tiny = [gain for gain in improvements if gain < noise]
    total_gain = abs(best - history[0])
    chasing = len(history) >= MIN_SUBMISSIONS and (
        (improvements and len(tiny) / len(improvements) >= NOISE_STEPS_SHARE) or total_gain < 2 * noise)
    numbers = {"submissions": len(history), "public_noise": noise, "new_bests": len(improvements),
               "new_bests_within_noise": len(tiny), "total_gain": total_gain}
    if not chasing:
        return
    plot = context.charts.curve("leaderboard_history", history, title="Public score per submission",
                                ylabel=f"public {metric.title}", xlabel="submission", band=noise)
    # Picking the best of n noisy scores inflates it by about sigma * sqrt(2 ln n).
    optimism = noise * math.sqrt(2 * math.log(len(history)))
    yield Finding(
        id="leaderboard-chasing",
        severity=Severity.SERIOUS if len(history) >= 2 * MIN_SUBMISSIONS else Severity.WARNING,
        title="Chasing the public leaderboard",
        evidence=f"{len(history)} submissions; {len(tiny)} of {len(improvements)} new bests moved the "
                 f"public score by less than its noise (± {noise:.4f} on {case.public_rows} public rows), "
                 f"and the whole run gained {total_gain:.4f}. The best of {len(history)} noisy scores is "
                 f"optimistic by roughly {optimism:.4f}: expect the private score to fall back.",
        next_steps=["Choose between models with cross-validation on the training data, not the public score",
                    "Submit rarely; pick your final submission by its cross-validated score"],
        lesson="leaderboard-overfitting", numbers={**numbers, "expected_optimism": optimism}, plot=plot)
