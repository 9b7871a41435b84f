"""The learner's handle on a challenge: its data as DataFrames, its brief, and `submit`."""

from __future__ import annotations

import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest, Task
from tiltyard.coach.challenge import coach_challenge
from tiltyard.errors import SubmissionError
from tiltyard.kinds.table.messy import read_public_csv
from tiltyard.metrics import Metric, get_metric
from tiltyard.submissions import submit_file


class Challenge:
    """``ch = tiltyard.load("titanic-v1")``; then ``ch.train``, ``ch.test_features``, ``ch.submit(...)``."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle

    def __repr__(self) -> str:
        return f"<Challenge {self.id}: {self.manifest.title}>"

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def manifest(self) -> Manifest:
        return self.bundle.manifest

    @property
    def brief(self) -> str:
        return self.bundle.brief

    @property
    def task(self) -> Task:
        return self.manifest.task

    @property
    def metric(self) -> Metric:
        return get_metric(self.manifest.metric.primary)

    @cached_property
    def train(self) -> pd.DataFrame:
        return read_public_csv(self.bundle.public_file("train.csv"))

    @cached_property
    def test_features(self) -> pd.DataFrame:
        return read_public_csv(self.bundle.public_file("test.csv"))

    @cached_property
    def sample_submission(self) -> pd.DataFrame:
        return pd.read_csv(self.bundle.public_file("sample_submission.csv"))

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Side tables to join (flights: weather, planes, airlines, airports)."""
        return {t.name: pd.read_csv(self.bundle.root / t.file) for t in self.manifest.tables}

    @property
    def feature_columns(self) -> list[str]:
        task = self.task
        return [c for c in self.train.columns if c not in (task.id_column, task.target)]

    @property
    def X_train(self) -> pd.DataFrame:
        return self.train[self.feature_columns]

    @property
    def y_train(self) -> pd.Series:
        return self.train[self.task.target]

    @property
    def X_test(self) -> pd.DataFrame:
        return self.test_features[self.feature_columns]

    @property
    def baselines(self) -> pd.DataFrame:
        return pd.DataFrame([{"baseline": b.name, "public_score": b.public_score,
                              "description": b.description} for b in self.manifest.baselines])

    def as_submission(self, predictions) -> pd.DataFrame:
        """Accept a DataFrame with the id column, or one prediction per test row in order."""
        task = self.task
        if isinstance(predictions, pd.DataFrame) and task.id_column in predictions:
            return predictions
        framed = isinstance(predictions, (pd.Series, pd.DataFrame))
        values = predictions.to_numpy() if framed else np.asarray(predictions)
        n = len(self.test_features)
        if values.shape[0] != n:
            raise SubmissionError("The predictions do not have one row per test row",
                                  expected=f"{n} predictions (len(ch.test_features))",
                                  got=f"{values.shape[0]}", code="missing_ids")
        return submission_frame(task, self.test_features[task.id_column], values)

    def coach(self, model=None, *, predictions=None, X_train: pd.DataFrame | None = None,
              X_test: pd.DataFrame | None = None, budget_seconds: float = 600.0, progress: bool = True):
        """Diagnose a model (cross-validated on the training rows, never the hidden answers)
        or a predictions table; returns a CoachReport whose findings open lessons."""
        return coach_challenge(self, model, predictions=predictions, X_train=X_train, X_test=X_test,
                               budget_seconds=budget_seconds, progress=progress)

    def submit(self, predictions, *, note: str | None = None):
        """Grade predictions like ``tiltyard submit`` does; returns the :class:`Report`."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "submission.csv"
            self.as_submission(predictions).to_csv(path, index=False)
            return submit_file(self.id, path, filename=note or "python-api.csv")


def submission_frame(task: Task, ids: pd.Series, values: np.ndarray) -> pd.DataFrame:
    """Predictions in answer order as a predictions file: the id column, then the target column
    (or one column per class for multiclass probabilities)."""
    frame = pd.DataFrame({task.id_column: ids.to_numpy()})
    if values.ndim == 2 and values.shape[1] > 1:
        for index, label in enumerate(task.classes):
            frame[label] = values[:, index]
    else:
        frame[task.target] = values.reshape(-1)
    return frame
