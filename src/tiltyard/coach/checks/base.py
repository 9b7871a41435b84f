"""What every check receives, and how a check declares what it needs to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.case import Case, constant_score
from tiltyard.coach.crossval import CrossValidation, ModelOutput
from tiltyard.coach.findings import Finding
from tiltyard.coach.inspect import FinalStage, final_stage
from tiltyard.coach.plots import Charts


@dataclass
class Context:
    case: Case
    charts: Charts
    budget: TimeBudget
    model: Any | None = None
    cv: CrossValidation | None = None
    # On the model path: the fold model's predictions on the test features; on the
    # predictions path: the learner's own predictions, encoded for the metric.
    test_output: ModelOutput | None = None
    test_error: BaseException | None = None
    seed: int = 0

    @cached_property
    def final(self) -> FinalStage | None:
        """The fitted model at the end of the learner's pipeline and a sample of its input."""
        if self.cv is None or self.cv.fitted is None:
            return None
        rows = self.case.X_train.loc[self.cv.fitted_rows]
        try:
            return final_stage(self.cv.fitted, rows)
        except Exception:  # noqa: BLE001 - a custom transformer may refuse; checks then skip
            return None

    @cached_property
    def constant(self) -> float:
        return constant_score(self.case, self.case.truth)

    def better(self, a: float, b: float) -> bool:
        return self.case.metric.better(a, b)

    def skill(self, score: float) -> float:
        """How far a score is above the constant model, in the metric's own units (signed)."""
        gain = score - self.constant
        return gain if self.case.metric.direction == "maximize" else -gain

    def fmt(self, score: float) -> str:
        return f"{score:.4f}" if np.isfinite(score) else "n/a"


@dataclass(frozen=True)
class Diagnosis:
    """A named diagnosis. ``needs`` lists what must exist: model, cv, test, predictions, history."""

    name: str
    run: Callable[[Context], Iterable[Finding]]
    needs: tuple[str, ...] = ()

    def applies(self, context: Context) -> bool:
        available = {
            "model": context.model is not None,
            "cv": context.cv is not None and bool(context.cv.folds),
            "test": context.case.X_test is not None,
            "predictions": context.test_output is not None,
            "history": len(context.case.history) > 0,
        }
        return all(available[need] for need in self.needs)
