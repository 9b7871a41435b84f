"""A table challenge's code submission: run ``build_model()`` in the sandbox on the challenge's data
and turn what it predicts into the challenge's predictions-file format, ready for the grader."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tiltyard.challenges.challenge import Challenge
from tiltyard.errors import SubmissionError
from tiltyard.runner.budget import Budget
from tiltyard.runner.outcomes import RunResult
from tiltyard.runner.sandbox import run_code_submission


class CodeRunFailed(SubmissionError):
    """The learner's code did not produce predictions; ``code`` is the outcome class."""

    def __init__(self, result: RunResult):
        super().__init__(result.message, code=result.outcome.value,
                         got=result.traceback_tail or (result.stderr_tail[-600:] or None))
        self.run = result.model_dump(mode="json")


@dataclass
class CodeRun:
    result: RunResult
    # The predictions in the same shape as a predictions file (id column first); None unless ok.
    submission: pd.DataFrame | None


def budget_for(challenge: Challenge) -> Budget:
    """The sandbox budget a challenge's manifest sets (wall, CPU, memory, threads)."""
    limits = challenge.manifest.budget
    return Budget(wall_seconds=limits.wall_seconds, cpu_seconds=limits.cpu_seconds,
                  memory_mb=limits.memory_mb, threads=limits.threads)


def predict_with_code(challenge: Challenge, code_path: str | Path, *, budget: Budget | None = None,
                      allow_weak_sandbox: bool = False) -> CodeRun:
    task = challenge.task
    result = run_code_submission(
        code_path, challenge.X_train, challenge.y_train, challenge.X_test, task_type=task.type,
        needs_proba=challenge.metric.needs_proba, budget=budget or budget_for(challenge),
        allow_weak_sandbox=allow_weak_sandbox, positive_label=task.positive_label,
        data_files=tuple(challenge.bundle.root / table.file for table in challenge.manifest.tables))
    if not result.ok:
        return CodeRun(result, None)
    predictions = result.predictions
    if predictions.ndim == 2:
        # Columns come in the model's classes_ order; the file format wants the manifest's order.
        learned = [str(label) for label in result.classes]
        missing = [label for label in task.classes if label not in learned]
        frame = pd.DataFrame(predictions, columns=learned)
        for label in missing:
            frame[label] = 0.0  # a class never seen in training gets no probability
        predictions = frame[task.classes].to_numpy()
    return CodeRun(result, challenge.as_submission(predictions))
