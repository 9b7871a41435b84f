"""The automl rung: a FLAML search over LightGBM, XGBoost and scikit-learn's forests.

Its budget is a count of trials (``max_iter``), which means the same on every computer; a wall
cap (``time_budget``) is only a safety net, and the record says which of the two stopped the
search. Learners are taken in turn (FLAML's round robin, not its timing-driven sampling) and
the search is seeded, so a search that the wall cap did not cut is the same search everywhere.

``build_model()`` is a factory like a learner's: the grid, or anyone, can use the rung as a
reference model.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

ESTIMATORS = ("lgbm", "xgboost", "rf", "extra_tree")
THREADS = 1
SEED = 0
# Our metric -> FLAML's name for the same loss (one it minimises or maximises itself).
FLAML_METRICS = {"roc_auc": "roc_auc", "log_loss": "log_loss", "accuracy": "accuracy",
                 "average_precision": "ap", "f1": "f1", "rmse": "rmse", "mae": "mae", "r2": "r2"}
MULTICLASS_METRICS = {"roc_auc": "roc_auc_ovr", "f1": "micro_f1"}


@dataclass(frozen=True)
class SearchBudget:
    max_iter: int
    """Trials: the budget, the same on every computer."""
    time_budget: float
    """Wall seconds: a safety net for a slow or loaded machine, not the budget."""
    folds: int
    """Cross-validation folds per trial; 1 is one holdout split."""
    threads: int = 1
    """On small tables one thread is the fast choice: two threads that wait on each other
    (OpenMP spins) cost several times the CPU of one on a busy machine, for no speed-up."""

    @property
    def evaluation(self) -> str:
        return f"{self.folds}-fold cross-validation" if self.folds > 1 else "a holdout split"


# Trials by the rows of train: bounded so that building every built-in (the test suite does
# it once per session) stays a few minutes on two cores. Measured in README "Development".
SMALL_ROWS, MEDIUM_ROWS = 2_000, 20_000
SMALL = SearchBudget(max_iter=30, time_budget=120, folds=3)
MEDIUM = SearchBudget(max_iter=20, time_budget=180, folds=1)
LARGE = SearchBudget(max_iter=12, time_budget=300, folds=1, threads=2)


def search_budget(rows: int) -> SearchBudget:
    return SMALL if rows <= SMALL_ROWS else MEDIUM if rows <= MEDIUM_ROWS else LARGE


class AutoMLFailed(RuntimeError):
    """The search trained nothing (it failed, or the wall cap ran out before one trial)."""


def flaml_version() -> str:
    return ".".join(metadata.version("flaml").split(".")[:2])


def trials_label(max_iter: int, threads: int = THREADS) -> str:
    return f"FLAML {flaml_version()} ({max_iter} trials, {threads} thread{'s' if threads > 1 else ''})"


def infer_task(y: pd.Series) -> str:
    """For a factory called without a task: numbers with many values are a regression."""
    if pd.api.types.is_float_dtype(y) or (pd.api.types.is_numeric_dtype(y) and y.nunique() > 20):
        return "regression"
    return "binary" if y.nunique() == 2 else "multiclass"


def flaml_metric(metric_name: str | None, task_type: str) -> str:
    if metric_name is None:
        return "auto"
    if task_type == "multiclass" and metric_name in MULTICLASS_METRICS:
        return MULTICLASS_METRICS[metric_name]
    if metric_name in FLAML_METRICS:
        return FLAML_METRICS[metric_name]
    return "rmse" if task_type == "regression" else "log_loss"


class AutoMLModel(BaseEstimator):
    """A scikit-learn estimator that runs a FLAML search in ``fit`` and predicts with the
    configuration it chose, retrained on all the rows it was given.

    ``numeric`` and ``categorical`` name the columns it uses (all columns when both are
    None: numbers as they are, text as categories). After ``fit``, ``record_`` says how the
    search went: trials, what stopped it, the chosen learner and configuration.
    ``replay`` (a record) skips the search and fits that configuration alone."""

    def __init__(self, task_type: str | None = None, metric: str | None = None, max_iter: int = 30,
                 time_budget: float = 60.0, folds: int = 3, threads: int = THREADS, seed: int = SEED,
                 numeric: list[str] | None = None, categorical: list[str] | None = None,
                 replay: dict | None = None):
        self.task_type = task_type
        self.metric = metric
        self.max_iter = max_iter
        self.time_budget = time_budget
        self.folds = folds
        self.threads = threads
        self.seed = seed
        self.numeric = numeric
        self.categorical = categorical
        self.replay = replay

    def _columns(self, X: pd.DataFrame) -> tuple[list[str], list[str]]:
        if self.numeric is None and self.categorical is None:
            numbers = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
                       or pd.api.types.is_bool_dtype(X[c])]
            return numbers, [c for c in X.columns if c not in numbers]
        return list(self.numeric or []), list(self.categorical or [])

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """The columns it uses; categories as pandas categoricals with train's levels (a
        level unseen in training becomes missing), which LightGBM and XGBoost take natively."""
        frame = X[self.numeric_ + self.categorical_].copy()
        for name in self.categorical_:
            values = frame[name].astype("string").astype(object)
            values = values.where(values.isin(self.levels_[name]))
            frame[name] = pd.Categorical(values, categories=self.levels_[name])
        return frame

    def fit(self, X: pd.DataFrame, y) -> AutoMLModel:
        from flaml import AutoML

        X = pd.DataFrame(X)
        self.numeric_, self.categorical_ = self._columns(X)
        self.levels_ = {name: sorted(X[name].dropna().astype(str).unique())
                        for name in self.categorical_}
        frame = self._frame(X)
        y = pd.Series(np.asarray(y))
        task_type = self.task_type or infer_task(y)
        self.automl_ = AutoML()
        started = time.perf_counter()
        settings = dict(
            task="regression" if task_type == "regression" else "classification",
            metric=flaml_metric(self.metric, task_type), seed=self.seed, n_jobs=self.threads,
            learner_selector="roundrobin", sample=False, retrain_full=True, verbose=0,
            eval_method="cv" if self.folds > 1 else "holdout", n_splits=max(self.folds, 2))
        with warnings.catch_warnings(), _quiet_flaml():
            warnings.simplefilter("ignore")
            if self.replay is not None:
                self._fit_replay(frame, y, settings)
            else:
                self.automl_.fit(frame, y, estimator_list=list(ESTIMATORS), max_iter=self.max_iter,
                                 time_budget=self.time_budget, **settings)
        seconds = time.perf_counter() - started
        if self.automl_.best_estimator is None:
            raise AutoMLFailed(f"the wall cap of {self.time_budget:g} s ran out before one "
                               f"trial finished ({seconds:.1f} s spent)")
        self.record_ = self._record()
        self.classes_ = getattr(self.automl_, "classes_", None)
        return self

    def _fit_replay(self, frame: pd.DataFrame, y: pd.Series, settings: dict) -> None:
        """The chosen configuration alone, trained on every row: no search, so a refit is
        quick and does not depend on the machine's speed."""
        learner = self.replay["estimator"]
        self.automl_.fit(frame, y, estimator_list=[learner], max_iter=1, time_budget=-1,
                         starting_points={learner: dict(self.replay["config"])},
                         **{**settings, "eval_method": "holdout"})

    def _record(self) -> dict[str, Any]:
        """What the search did; no timings, so that a manifest is the same bytes on every
        computer whose search the wall cap did not cut."""
        automl = self.automl_
        trials = int(sum(automl._iter_per_learner.values()))  # FLAML keeps the count only here
        stopped = "max_iter" if trials >= self.max_iter else "time_budget"
        return {"estimator": automl.best_estimator,
                "config": {k: _plain(v) for k, v in sorted(automl.best_config.items())},
                "trials": trials, "max_iter": self.max_iter, "time_budget_s": self.time_budget,
                "folds": self.folds,
                "stopped_by": "replay" if self.replay is not None else stopped,
                "threads": self.threads, "seed": self.seed, "flaml": metadata.version("flaml")}

    def predict(self, X: pd.DataFrame):
        return self.automl_.predict(self._frame(pd.DataFrame(X)))

    def predict_proba(self, X: pd.DataFrame):
        return self.automl_.predict_proba(self._frame(pd.DataFrame(X)))


def searched_model(model) -> AutoMLModel | None:
    """The fitted AutoMLModel inside a model, also inside a TransformedTargetRegressor or a
    Pipeline (a messy challenge's number columns that hold text are parsed first)."""
    while model is not None and not isinstance(model, AutoMLModel):
        steps = getattr(model, "steps", None)
        model = steps[-1][1] if steps else getattr(model, "regressor_", None)
    return model


def search_record(model) -> dict | None:
    """The record of the search inside a fitted model (None for a model that did not search)."""
    return getattr(searched_model(model), "record_", None)


def _plain(value):
    """A TOML-writable value (NumPy scalars become Python numbers, floats rounded)."""
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return round(float(value), 8)
    return value


class _quiet_flaml:
    """FLAML logs every trial at INFO and warns when nothing trained: the record says it."""

    def __enter__(self):
        self.logger = logging.getLogger("flaml.automl")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)


def build_model(task_type: str | None = None, metric: str | None = None, max_iter: int = SMALL.max_iter,
                time_budget: float = SMALL.time_budget, folds: int = SMALL.folds,
                threads: int = THREADS, seed: int = SEED) -> AutoMLModel:
    """The automl rung as a factory: ``tiltyard.kinds.table.automl:build_model`` (numbers
    used as they are, text columns as categories). Without a task it is read from the
    target; without a metric FLAML uses its own default for the task (ROC AUC for binary,
    log loss for multiclass, R² for regression)."""
    return AutoMLModel(task_type=task_type, metric=metric, max_iter=max_iter,
                       time_budget=time_budget, folds=folds, threads=threads, seed=seed)
