"""The plain inputs a coaching run looks at, independent of where they came from.

A :class:`Case` holds DataFrames, a task and a metric: the notebook, the CLI and the tests
all build one (``coach.challenge`` builds it from a loaded challenge), so every check can be
exercised without a bundle on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from tiltyard.challenges.manifest import Task
from tiltyard.errors import TiltyardError
from tiltyard.metrics import Metric


def encode_learner_target(values, task: Task) -> np.ndarray:
    """Targets as the metrics read them: 0/1 (1 = positive label), class index, or float.

    Compared as text, so 'yes'/'no', True/False and 0/1 labels all match the manifest's classes.
    """
    values = np.asarray(values)
    if task.type == "regression":
        return values.astype(np.float64)
    labels = pd.Series(values).astype(str).str.replace(r"\.0$", "", regex=True).to_numpy()
    labels = np.where(labels == "True", "1", np.where(labels == "False", "0", labels)) \
        if not set(labels) <= set(task.classes) else labels
    if task.type == "binary":
        return (labels == str(task.positive_label)).astype(np.int64)
    lookup = {c: i for i, c in enumerate(task.classes)}
    unknown = sorted(set(labels) - set(lookup))
    if unknown:
        raise TiltyardError("Target values outside the task's classes",
                            expected=f"one of {task.classes}", got=", ".join(unknown[:5]))
    return np.array([lookup[v] for v in labels], dtype=np.int64)


@dataclass
class BaselineScore:
    """One baseline of the ladder with its public score (higher rungs are stronger models)."""

    name: str
    score: float


@dataclass
class Case:
    X_train: pd.DataFrame
    y_train: pd.Series
    task: Task
    metric: Metric
    X_test: pd.DataFrame | None = None
    ladder: list[BaselineScore] = field(default_factory=list)
    secondary_metrics: list[Metric] = field(default_factory=list)
    # Declared types from the manifest ("categorical", "numeric", ...): they tell a nominal
    # column stored as integers apart from a true number.
    column_types: dict[str, str] = field(default_factory=dict)
    # The challenge's own training features, before the learner touched them: lets the coach
    # see rows dropped and columns added.
    original_train: pd.DataFrame | None = None
    original_target: pd.Series | None = None
    # Public scores of the learner's past submissions, oldest first, and how many rows the
    # public leaderboard is computed on (its noise level depends on it).
    history: list[float] = field(default_factory=list)
    public_rows: int | None = None
    challenge_id: str | None = None
    # True when the challenge's test rows come after its training rows in time (split method
    # "time") and the index gives the rows' time order: the coach then validates forward in time.
    time_ordered: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.X_train, pd.DataFrame):
            raise TiltyardError("The coach reads training features as a table",
                                expected="a pandas DataFrame of features",
                                got=type(self.X_train).__name__,
                                hint="Wrap arrays with pd.DataFrame(X, columns=names)")
        self.y_train = pd.Series(self.y_train, index=self.X_train.index) \
            if not isinstance(self.y_train, pd.Series) else self.y_train
        if len(self.y_train) != len(self.X_train):
            raise TiltyardError("Training features and target have different lengths",
                                expected=f"{len(self.X_train)} target values, one per row",
                                got=f"{len(self.y_train)} values",
                                hint="Drop rows from features and target together")
        if self.y_train.isna().any():
            raise TiltyardError("The training target has missing values",
                                expected="a label on every training row",
                                got=f"{int(self.y_train.isna().sum())} missing")

    @property
    def is_classification(self) -> bool:
        return self.task.type != "regression"

    @cached_property
    def truth(self) -> np.ndarray:
        """The target encoded as the metrics expect (0/1, class index, or float); computed once."""
        return encode_learner_target(np.asarray(self.y_train), self.task)

    @property
    def all_metrics(self) -> list[Metric]:
        return [self.metric, *self.secondary_metrics]

    def declared_type(self, column: str) -> str | None:
        return self.column_types.get(column)

    def is_nominal(self, column: str) -> bool:
        declared = self.declared_type(column)
        if declared is not None:
            return declared in ("categorical", "boolean", "text")
        dtype = self.X_train[column].dtype
        return not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype))

    def minority_share(self) -> float:
        if not self.is_classification:
            return 1.0
        shares = self.y_train.astype(str).value_counts(normalize=True)
        return float(shares.min())


def constant_score(case: Case, truth: np.ndarray) -> float:
    """The score of a model that learned nothing: the floor every learned model must beat."""
    metric = case.metric
    if case.task.type == "regression":
        fill = np.median(truth) if metric.name in ("mae",) else truth.mean()
        if metric.name == "rmsle":
            fill = np.expm1(np.log1p(np.clip(truth, 0, None)).mean())
        return metric(truth, np.full(truth.shape, fill, dtype=float))
    counts = np.bincount(truth.astype(int), minlength=len(case.task.classes))
    prior = counts / counts.sum()
    if metric.needs_proba:
        if case.task.type == "binary":
            return metric(truth, np.full(truth.shape, prior[1]))
        return metric(truth, np.tile(prior, (truth.size, 1)))
    return metric(truth, np.full(truth.shape, int(np.argmax(counts))))


def subsample(frame_index: pd.Index, y: pd.Series | None, size: int, seed: int = 0) -> pd.Index:
    """At most ``size`` rows, stratified on a class target so rare classes survive."""
    if len(frame_index) <= size:
        return frame_index
    rng = np.random.default_rng(seed)
    if y is None or pd.api.types.is_float_dtype(y.dtype):
        return frame_index[np.sort(rng.choice(len(frame_index), size, replace=False))]
    positions = []
    codes = pd.factorize(y.astype(str))[0]
    for code in np.unique(codes):
        members = np.flatnonzero(codes == code)
        take = max(1, round(size * members.size / len(frame_index)))
        positions.append(rng.choice(members, min(take, members.size), replace=False))
    return frame_index[np.sort(np.concatenate(positions))]
