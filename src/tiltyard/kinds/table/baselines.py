"""The baseline ladder: constant → linear → random forest → gradient boosting → automl.

Each rung is a plain scikit-learn pipeline over the columns the data dictionary calls
numeric, boolean or categorical. They are deliberately simple: a learner should beat
the linear rung on a first evening and the boosted rung with real work. The automl rung
(:mod:`tiltyard.kinds.table.automl`) is the bar a practitioner should beat; on small tables
it often does not beat the boosted rung itself, which is a lesson of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline as _make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

from tiltyard.challenges.manifest import Column, Task
from tiltyard.kinds.table.automl import AutoMLModel, search_budget, trials_label
from tiltyard.metrics import Metric

MAX_ONE_HOT_LEVELS = 30
MAX_TREE_LEVELS = 250
FOREST_ROWS = 20_000  # rows each tree sees: keeps the forest rung fast on flights


# The log-target baselines' log1p and expm1 are the C library's, which numpy also calls except
# on CPUs with AVX-512, where it takes Intel's SVML, whose last bits differ. Those bits matter:
# moved by 1e-15, they break a forest's ties between splits the other way (its predictions
# moved by up to a tenth) and move the ridge's by 1e-4; house-prices-v1 built to another hash
# on a machine without AVX-512 than on the one that pinned it. Out of range, they answer as
# numpy does.
def _log1p(value: float) -> float:
    return math.log1p(value) if value > -1 else (-math.inf if value == -1 else math.nan)


def _expm1(value: float) -> float:
    try:
        return math.expm1(value)
    except OverflowError:
        return math.inf


log1p = np.vectorize(_log1p, otypes=[float])
expm1 = np.vectorize(_expm1, otypes=[float])


@dataclass(frozen=True)
class BaselineModel:
    name: str
    description: str
    make: Callable[[], object]
    replay: Callable[[dict], object] | None = None
    """Refit what the stored record chose, without searching again (the automl rung)."""
    may_fail: bool = False
    """A failure is recorded in the manifest with its reason instead of stopping the build."""


def usable_columns(train: pd.DataFrame, columns: list[Column], max_levels: int,
                   target: str) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns a simple pipeline can use."""
    numeric, categorical = [], []
    for column in columns:
        if column.table != "train" or column.name not in train or column.name == target:
            continue
        if column.type in ("numeric", "boolean"):
            numeric.append(column.name)
        elif column.type == "categorical" and train[column.name].nunique() <= max_levels:
            categorical.append(column.name)
    return numeric, categorical


def _linear_features(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    return ColumnTransformer([
        ("numeric", _make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        # Encoders keep a missing category as a level of its own.
        ("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10),
         categorical),
    ])


def _tree_features(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    return ColumnTransformer([
        ("numeric", "passthrough", numeric),
        ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
         categorical),
    ])


def numbers_from_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The minimal handling of a number column that holds text ("1,200", "12 kg", "?"): what
    does not parse as a number is missing."""
    frame = frame.copy()
    for name in columns:
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def _number_columns_holding_text(train: pd.DataFrame, numeric: list[str]) -> list[str]:
    return [c for c in numeric if not pd.api.types.is_numeric_dtype(train[c])]


def ladder(task: Task, metric: Metric, train: pd.DataFrame, columns: list[Column],
           automl: bool = True) -> list[BaselineModel]:
    """The rungs, cheapest first; ``automl=False`` for a bundle kept as first published."""
    rungs = _classic_rungs(task, metric, train, columns)
    return [*rungs, automl_rung(task, metric, train, columns)] if automl else rungs


def automl_rung(task: Task, metric: Metric, train: pd.DataFrame, columns: list[Column]) -> BaselineModel:
    numeric, categorical = usable_columns(train, columns, MAX_TREE_LEVELS, task.target)
    budget = search_budget(len(train))
    log_target = metric.name == "rmsle"
    texts = _number_columns_holding_text(train, numeric)

    def model(replay: dict | None = None):
        searched = AutoMLModel(task_type=task.type, metric="rmse" if log_target else metric.name,
                               max_iter=budget.max_iter, time_budget=budget.time_budget,
                               folds=budget.folds, threads=budget.threads, numeric=numeric,
                               categorical=categorical, replay=replay)
        if texts:
            searched = _make_pipeline(FunctionTransformer(numbers_from_text, kw_args={"columns": texts}), searched)
        if log_target:
            return TransformedTargetRegressor(searched, func=log1p, inverse_func=expm1)
        return searched

    description = (f"{trials_label(budget.max_iter, budget.threads)}: LightGBM, XGBoost, random forest and extra "
                   f"trees, tuned on {budget.evaluation}, wall cap {budget.time_budget:g} s"
                   + (", on log(1 + target)" if log_target else ""))
    return BaselineModel("automl", description, model, replay=model, may_fail=True)


def _classic_rungs(task: Task, metric: Metric, train: pd.DataFrame,
                   columns: list[Column]) -> list[BaselineModel]:
    lin_num, lin_cat = usable_columns(train, columns, MAX_ONE_HOT_LEVELS, task.target)
    tree_num, tree_cat = usable_columns(train, columns, MAX_TREE_LEVELS, task.target)
    # Number columns that hold text (a messy challenge's) are parsed first; on clean data
    # the pipelines are exactly what they always were.
    texts = _number_columns_holding_text(train, tree_num)

    def make_pipeline(*steps):
        if texts:
            steps = (FunctionTransformer(numbers_from_text, kw_args={"columns": texts}), *steps)
        return _make_pipeline(*steps)
    # Trees (forests included, since scikit-learn 1.4) take NaN as it is.
    categorical_mask = [False] * len(tree_num) + [True] * len(tree_cat)
    max_samples = min(1.0, FOREST_ROWS / max(len(train), 1))
    log_target = metric.name == "rmsle"

    def regression(model):
        if log_target:
            return TransformedTargetRegressor(model, func=log1p, inverse_func=expm1)
        return model

    if task.type == "regression":
        center = "the geometric mean price" if log_target else "the mean"
        return [
            BaselineModel("constant", f"Predicts {center} of the training target for every row",
                 lambda: regression(DummyRegressor(strategy="mean"))),
            BaselineModel("linear", "Ridge regression on scaled numbers and one-hot categories"
                 + (", fitted on log(1 + target)" if log_target else ""),
                 lambda: regression(make_pipeline(_linear_features(lin_num, lin_cat), Ridge(alpha=1.0)))),
            BaselineModel("random-forest", "Random forest, 100 trees, ordinal-coded categories",
                 lambda: regression(make_pipeline(_tree_features(tree_num, tree_cat), RandomForestRegressor(
                     n_estimators=100, min_samples_leaf=2, max_samples=max_samples,
                     n_jobs=-1, random_state=0)))),
            BaselineModel("boosted-trees", "Histogram gradient boosting with native categories",
                 lambda: regression(make_pipeline(_tree_features(tree_num, tree_cat),
                                                  HistGradientBoostingRegressor(
                                                      categorical_features=categorical_mask,
                                                      random_state=0)))),
        ]
    constant = ("Predicts the training share of each class" if metric.needs_proba
                else "Predicts the most frequent training class")
    return [
        BaselineModel("constant", constant, lambda: DummyClassifier(
            strategy="prior" if metric.needs_proba else "most_frequent")),
        BaselineModel("logistic", "Logistic regression on scaled numbers and one-hot categories",
             lambda: make_pipeline(_linear_features(lin_num, lin_cat),
                                   LogisticRegression(max_iter=2000))),
        BaselineModel("random-forest", "Random forest, 100 trees, ordinal-coded categories",
             lambda: make_pipeline(_tree_features(tree_num, tree_cat), RandomForestClassifier(
                 n_estimators=100, min_samples_leaf=5, max_samples=max_samples,
                 n_jobs=-1, random_state=0))),
        BaselineModel("boosted-trees", "Histogram gradient boosting with native categories",
             lambda: make_pipeline(_tree_features(tree_num, tree_cat),
                                   HistGradientBoostingClassifier(
                                       categorical_features=categorical_mask, random_state=0))),
    ]


def predict_for_metric(model, features: pd.DataFrame, task: Task, metric: Metric) -> pd.DataFrame:
    """Predictions shaped as a submission's prediction columns (without the id column)."""
    if task.type == "regression":
        return pd.DataFrame({task.target: model.predict(features)})
    if metric.needs_proba:
        proba = model.predict_proba(features)
        classes = [str(c) for c in model.classes_]
        if task.type == "binary":
            return pd.DataFrame({task.target: proba[:, classes.index(task.positive_label)]})
        return pd.DataFrame({c: proba[:, classes.index(c)] for c in task.classes})
    return pd.DataFrame({task.target: np.asarray(model.predict(features)).astype(str)})
