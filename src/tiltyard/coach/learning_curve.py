"""A learning curve from the folds the coach already cut: refit on growing shares of each
training fold and score on the same validation fold.

It costs refits, so the coach draws it only when a bias or variance finding fires, on the
folds whose refits fit in ``CURVE_SHARE`` of the cross-validation's own fitting time (and in
the time budget); the full-size point is the cross-validation run itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.case import Case
from tiltyard.coach.crossval import CrossValidation, FoldScore, fit_and_score

FRACTIONS = (0.1, 0.25, 0.5)
CURVE_FOLDS = 3
# The refits may cost at most this share of the cross-validation's fitting time, so that the
# coach stays within twice the cost of one cross-validation (benchmarks/coach.py).
CURVE_SHARE = 0.5
MIN_ROWS = 30


@dataclass
class LearningCurve:
    rows: list[int]  # training rows per point (mean over the folds used), smallest first
    train: list[float]
    validation: list[float]
    folds: int  # folds averaged at each point
    skipped: str = ""  # why the curve is shorter than planned, if it is

    @property
    def validation_gain(self) -> float:
        """Change of the validation score over the last doubling of rows, in the metric's units."""
        return self.validation[-1] - self.validation[-2] if len(self.validation) > 1 else float("nan")

    def to_numbers(self) -> dict[str, Any]:
        return {"rows": self.rows, "train": self.train, "validation": self.validation,
                "folds": self.folds}


def _subset(fold: FoldScore, fraction: float, time_ordered: bool, rng: np.random.Generator) -> np.ndarray:
    """A share of the fold's training rows: the most recent ones on a time split (closest to the
    validation rows), a random draw otherwise."""
    size = max(MIN_ROWS, int(round(fraction * fold.train_at.size)))
    if time_ordered:
        return fold.train_at[-size:]
    return np.sort(rng.choice(fold.train_at, size, replace=False))


def _curve_folds(cv: CrossValidation, budget: TimeBudget) -> tuple[list[FoldScore], str]:
    """The folds to refit, and why others were left out.

    Preferred: on time-ordered folds the latest (largest) windows, else the first folds; each is
    taken while its refits, estimated from its own fit time, fit the allowance and the budget."""
    preferred = cv.folds[::-1] if cv.time_ordered else cv.folds
    allowance = min(CURVE_SHARE * cv.fit_seconds, budget.remaining)
    chosen, left_out = [], ""
    for fold in preferred:
        cost = fold.fit_seconds * sum(FRACTIONS) * 1.2
        if len(chosen) == CURVE_FOLDS:
            break
        if cost > allowance:
            left_out = "time budget" if budget.remaining < CURVE_SHARE * cv.fit_seconds else \
                f"refits capped at {CURVE_SHARE:.0%} of the cross-validation's fitting time"
            continue
        chosen.append(fold)
        allowance -= cost
    return sorted(chosen, key=lambda fold: fold.train_at.size), left_out


def learning_curve(case: Case, model: Any, cv: CrossValidation, budget: TimeBudget,
                   seed: int = 0) -> LearningCurve | None:
    """Train and validation scores at FRACTIONS of the training folds, plus the full folds.

    Fit time grows about linearly with rows for most models, so a fold's refits cost about
    sum(FRACTIONS) of its own fit. None when not even one fold's refits fit the allowance or the
    model cannot be refitted on a small share."""
    rng = np.random.default_rng(seed)
    train_scores = {f: [] for f in FRACTIONS}
    valid_scores = {f: [] for f in FRACTIONS}
    rows = {f: [] for f in FRACTIONS}
    used: list[FoldScore] = []
    folds, skipped = _curve_folds(cv, budget)
    for fold in folds:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the cross-validation run already reported them
                for fraction in FRACTIONS:
                    at = _subset(fold, fraction, cv.time_ordered, rng)
                    fitted = fit_and_score(case, model, at, fold.valid_at)
                    train_scores[fraction].append(fitted.train_score)
                    valid_scores[fraction].append(fitted.validation_score)
                    rows[fraction].append(at.size)
        except Exception as exc:  # noqa: BLE001 - a small subset may lack a class; keep what we have
            skipped = f"a refit on a small share failed ({type(exc).__name__})"
            for fraction in FRACTIONS:  # drop this fold's partial points
                del train_scores[fraction][len(used):], valid_scores[fraction][len(used):], rows[fraction][len(used):]
            break
        used.append(fold)
    if not used:
        return None
    return LearningCurve(
        rows=[int(np.mean(rows[f])) for f in FRACTIONS] + [int(np.mean([f.train_at.size for f in used]))],
        train=[float(np.mean(train_scores[f])) for f in FRACTIONS] + [float(np.mean([f.train for f in used]))],
        validation=[float(np.mean(valid_scores[f])) for f in FRACTIONS]
        + [float(np.mean([f.validation for f in used]))],
        folds=len(used), skipped=skipped)
