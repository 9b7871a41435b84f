"""The coach on a loaded challenge: `ch.coach(model)` and `tiltyard coach ID solution.py`.

Builds a :class:`Case` from the challenge (never from its sealed answers), reads the learner's
submission history from the store, runs the coach, saves the report and charts in the home
folder, and records the lessons met.
"""

from __future__ import annotations

import runpy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from sqlalchemy import select

from tiltyard.coach.case import BaselineScore, Case, subsample
from tiltyard.coach.findings import CoachReport
from tiltyard.coach.journal import record_lessons
from tiltyard.coach.runner import DEFAULT_BUDGET_SECONDS, coach_model, coach_predictions
from tiltyard.config import get_settings
from tiltyard.errors import TiltyardError
from tiltyard.metrics import get_metric
from tiltyard.store import Submission, session_scope

CONSTANT_RUNGS = ("constant", "majority", "mean", "median", "prior", "dummy")


def ladder_of(challenge) -> list[BaselineScore]:
    """The learned rungs of the ladder: a constant rung is recomputed on the training rows."""
    return [BaselineScore(b.name, b.public_score) for b in challenge.manifest.baselines
            if not b.name.lower().startswith(CONSTANT_RUNGS)]


def history_from_store(challenge_id: str, owner: str | None = None) -> list[float]:
    """Public scores of the learner's graded submissions to this challenge, oldest first."""

    owner = owner or get_settings().owner
    with session_scope() as session:
        rows = session.scalars(select(Submission.public_score).where(
            Submission.challenge_id == challenge_id, Submission.owner == owner,
            Submission.status == "graded", Submission.public_score.is_not(None))
            .order_by(Submission.created_at, Submission.id)).all()
    return [float(score) for score in rows]


def _aligned_target(challenge, X_train: pd.DataFrame) -> pd.Series:
    target = challenge.y_train
    if not X_train.index.isin(target.index).all():
        raise TiltyardError("The coach cannot line your training features up with the target",
                            expected="rows indexed like ch.train (keep the index when filtering rows)",
                            got=f"an index with values outside 0..{len(target) - 1}",
                            hint="Do not reset_index() after dropping rows; or pass ch.X_train")
    return target.loc[X_train.index]


def case_from_challenge(challenge, *, X_train: pd.DataFrame | None = None,
                        X_test: pd.DataFrame | None = None, history: list[float] | None = None,
                        max_rows: int | None = None, seed: int = 0) -> Case:
    manifest = challenge.manifest
    original = challenge.X_train
    learner_train = original if X_train is None else X_train
    if X_test is None and set(learner_train.columns) <= set(challenge.X_test.columns):
        X_test = challenge.X_test[[c for c in learner_train.columns]]
    elif X_test is None and X_train is not None:
        X_test = challenge.X_test  # columns the learner built only for training will show up
    if max_rows is not None and len(original) > max_rows:
        rows = subsample(original.index, challenge.y_train, max_rows, seed)
        original = original.loc[rows]
        learner_train = learner_train.loc[learner_train.index.intersection(rows)]
    return Case(
        X_train=learner_train, y_train=_aligned_target(challenge, learner_train), task=challenge.task,
        metric=challenge.metric, X_test=X_test, ladder=ladder_of(challenge),
        secondary_metrics=[get_metric(name) for name in manifest.metric.secondary],
        column_types={c.name: c.type for c in manifest.columns if c.table == "train"},
        original_train=original, original_target=challenge.y_train.loc[original.index],
        history=list(history) if history is not None else history_from_store(challenge.id),
        public_rows=manifest.split.public_rows if manifest.split else None,
        challenge_id=challenge.id, time_ordered=is_time_split(challenge))


def is_time_split(challenge) -> bool:
    """Test rows later in time than training rows, and train.csv in time order (its row order is
    the index the coach keeps): the bundle's split policy says so."""
    split = challenge.manifest.split
    return split is not None and split.method == "time"


def report_folder(challenge_id: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return get_settings().reports_dir / "coach" / challenge_id / stamp


def coach_challenge(challenge, model: Any | None = None, *, predictions: pd.DataFrame | None = None,
                    X_train: pd.DataFrame | None = None, X_test: pd.DataFrame | None = None,
                    history: list[float] | None = None, max_rows: int | None = None,
                    budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
                    folder: Path | None = None, progress: bool | Console = True,
                    record: bool = True, seed: int = 0) -> CoachReport:
    """Coach a model (fitted and cross-validated on the training rows) or a predictions table."""
    if (model is None) == (predictions is None):
        raise TiltyardError("The coach looks at one thing at a time",
                            expected="either a model (an unfitted estimator) or predictions",
                            got="both" if model is not None else "neither",
                            hint="ch.coach(model) or ch.coach(predictions=frame)")
    case = case_from_challenge(challenge, X_train=X_train, X_test=X_test, history=history,
                               max_rows=max_rows, seed=seed)
    folder = folder or report_folder(challenge.id)
    if model is not None:
        report = coach_model(case, model, folder=folder, budget_seconds=budget_seconds,
                             progress=progress, seed=seed)
    else:
        report = coach_predictions(case, predictions, folder=folder, budget_seconds=budget_seconds,
                                   progress=progress, seed=seed)
    report.save()
    if record and report.findings:

        report.new_lessons = record_lessons(report)
    return report


def load_build_model(path: Path) -> Any:
    """Run a solution file and call its ``build_model()`` (the code-submission contract)."""
    path = Path(path)
    if not path.is_file():
        raise TiltyardError(f"No solution file at {path}", expected="a Python file defining build_model()",
                            got="no such file", code="solution_not_found")
    namespace = runpy.run_path(str(path), run_name="tiltyard_solution")
    build = namespace.get("build_model")
    if not callable(build):
        defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("_"))
        raise TiltyardError(f"{path.name} defines no build_model()",
                            expected="a function build_model() returning an unfitted estimator",
                            got="callables: " + (", ".join(defined[:8]) or "none"),
                            hint="Add `def build_model(): return make_pipeline(...)`",
                            code="no_build_model")
    return build()
