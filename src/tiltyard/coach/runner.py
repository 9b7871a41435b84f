"""Run the coach: cross-validate once, predict the test rows once, then every check that applies.

Long runs show a Rich progress bar and respect a time budget: when it is spent, the checks
not yet started are listed as skipped in the report instead of running.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from threadpoolctl import threadpool_limits

from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.case import Case, encode_learner_target
from tiltyard.coach.checks import CHECKS, Context
from tiltyard.coach.crossval import ModelOutput, cross_validate, model_output
from tiltyard.coach.findings import CoachReport, Finding
from tiltyard.coach.plots import Charts
from tiltyard.errors import TiltyardError

DEFAULT_BUDGET_SECONDS = 600.0


def _progress(show: bool | Console):
    if show is False:
        return nullcontext(None)
    console = show if isinstance(show, Console) else Console(stderr=True)
    if not console.is_terminal and show is True:
        return nullcontext(None)
    return Progress(TextColumn("[bold]coach[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


def _run_checks(context: Context, progress, task_id, report_skipped: list[str],
                timings: dict[str, float]) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        if check.applies(context) and context.budget.exhausted:
            report_skipped.append(check.name)
        elif check.applies(context):
            if progress is not None:
                progress.update(task_id, description=check.name)
            started = time.perf_counter()
            findings.extend(check.run(context))
            timings[check.name] = timings.get(check.name, 0.0) + time.perf_counter() - started
        if progress is not None:
            progress.advance(task_id)  # checks that do not apply count as done: the bar ends full
    return findings


def _predict_test(context: Context) -> None:
    case, cv = context.case, context.cv
    if case.X_test is None or cv is None or cv.fitted is None:
        return
    try:
        context.test_output = model_output(cv.fitted, case.X_test, case.task, case.metric)
    except Exception as exc:  # noqa: BLE001 - failing on test rows is a finding
        context.test_error = exc


def coach_model(case: Case, model: Any, *, folder: Path | None = None,
                budget_seconds: float | None = DEFAULT_BUDGET_SECONDS, n_splits: int = 5,
                progress: bool | Console = True, seed: int = 0) -> CoachReport:
    """Cross-validate ``model`` on the case's training rows and run every check on it."""
    if not (hasattr(model, "fit") and hasattr(model, "get_params")):
        raise TiltyardError("The coach needs a scikit-learn compatible estimator",
                            expected="an object with fit, predict and get_params (an estimator or Pipeline)",
                            got=type(model).__name__,
                            hint="Return the unfitted estimator from build_model(); wrap PyTorch models "
                                 "in a class deriving from sklearn.base.BaseEstimator")
    started = time.perf_counter()
    budget = TimeBudget(budget_seconds)
    context = Context(case=case, charts=Charts(folder), budget=budget, model=model, seed=seed)
    skipped: list[str] = []
    timings: dict[str, float] = {}
    with _progress(progress) as bar:
        task_id = bar.add_task("cross-validating", total=n_splits + 1 + len(CHECKS)) if bar else None

        def fold_done(fold: int) -> None:
            if bar is not None:
                bar.update(task_id, description=f"fold {fold + 1}/{n_splits}", advance=1)

        context.cv = cross_validate(case, model, n_splits=n_splits, seed=seed, budget=budget,
                                    on_fold=fold_done)
        timings["cross-validation"] = budget.spent
        if context.cv.error is None and len(context.cv.folds) < n_splits:
            skipped.append(f"cross-validation folds {len(context.cv.folds) + 1}-{n_splits}")
        if bar is not None:  # folds cut short or failed still leave the bar honest
            bar.update(task_id, completed=n_splits)
        if bar is not None:
            bar.update(task_id, description="predicting test rows")
        before = time.perf_counter()
        _predict_test(context)
        timings["predict-test"] = time.perf_counter() - before
        if bar is not None:
            bar.advance(task_id)
        findings = _run_checks(context, bar, task_id, skipped, timings)
    cv = context.cv
    scores = {"metric": case.metric.name, "train": cv.train_score, "cross_validated": cv.validation_score,
              "cross_validated_std": cv.validation_std, "folds": len(cv.folds),
              "constant": context.constant, "fit_seconds": cv.fit_seconds,
              "validation": cv.scheme, "time_ordered": cv.time_ordered}
    return CoachReport(challenge_id=case.challenge_id, subject=_describe_model(model), findings=findings,
                       scores=scores, skipped=skipped, seconds=time.perf_counter() - started,
                       folder=folder, timings=timings)


def predictions_output(frame: pd.DataFrame, case: Case) -> ModelOutput:
    """The learner's predictions file, encoded as the grader would read it."""
    task, metric = case.task, case.metric
    if task.type == "multiclass" and metric.needs_proba and all(c in frame.columns for c in task.classes):
        values = frame[task.classes].to_numpy(dtype=float)
        return ModelOutput(values=values, kind="proba", labels=np.argmax(values, axis=1))
    if task.target not in frame.columns:
        raise TiltyardError("The predictions have no prediction column",
                            expected=f"a column named {task.target!r}"
                                     + (f" or columns {task.classes}" if task.type == "multiclass" else ""),
                            got=f"columns {list(frame.columns)}",
                            hint="Start from public/sample_submission.csv")
    column = frame[task.target]
    if task.type == "regression":
        return ModelOutput(values=column.to_numpy(dtype=float), kind="values")
    if pd.api.types.is_numeric_dtype(column.dtype) and not set(column.astype(str)) <= set(task.classes):
        values = column.to_numpy(dtype=float)
        is_labels = set(np.unique(values).tolist()) <= {0.0, 1.0}
        return ModelOutput(values=values, kind="labels" if is_labels else "proba",
                           labels=(values >= 0.5).astype(np.int64))
    labels = encode_learner_target(column.astype(str).to_numpy(), task)
    return ModelOutput(values=labels.astype(float), kind="labels", labels=labels)


def coach_predictions(case: Case, predictions: pd.DataFrame, *, folder: Path | None = None,
                      budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
                      progress: bool | Console = True, seed: int = 0) -> CoachReport:
    """The checks that need no model: predictions vs the training target, hard labels, leakage
    and shift in the data, the submission history. Runs on one BLAS/OpenMP thread: it follows
    every submission, so it must stay quick on a machine that is busy with other work."""
    started = time.perf_counter()
    context = Context(case=case, charts=Charts(folder), budget=TimeBudget(budget_seconds), seed=seed,
                      test_output=predictions_output(predictions, case))
    skipped: list[str] = []
    timings: dict[str, float] = {}
    with _progress(progress) as bar, threadpool_limits(limits=1):
        task_id = bar.add_task("checking", total=len(CHECKS)) if bar else None
        findings = _run_checks(context, bar, task_id, skipped, timings)
    return CoachReport(challenge_id=case.challenge_id, subject="predictions", findings=findings,
                       skipped=skipped, seconds=time.perf_counter() - started, folder=folder,
                       timings=timings)


def _describe_model(model: Any) -> str:
    text = repr(model)
    return text if len(text) <= 300 else text[:297] + "..."
