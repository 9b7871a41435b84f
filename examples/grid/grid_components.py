"""Components for the grids of examples/grid/: models that fit classification and regression
targets alike (a grid's challenges mix both), and a clipping scaler of our own."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler


def _is_regression(y) -> bool:
    """A numeric target of many values (a count or a whole-number grade is a regression too)."""
    values = np.asarray(y)
    return values.dtype.kind in "fiu" and len(np.unique(values)) > 20


class ByTask(BaseEstimator):
    """A classifier or a regressor, chosen from the target at fit time."""

    def _make(self, regression: bool):
        raise NotImplementedError

    def fit(self, X, y):
        self.model_ = self._make(_is_regression(y)).fit(X, y)
        if hasattr(self.model_, "classes_"):
            self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


class Linear(ByTask):
    def __init__(self, C=1.0):
        self.C = C

    def _make(self, regression):
        return Ridge(alpha=1 / self.C) if regression else LogisticRegression(C=self.C, max_iter=1000)


class Forest(ByTask):
    def __init__(self, n_estimators=100, min_samples_leaf=3, random_state=0, n_jobs=1):
        self.n_estimators, self.min_samples_leaf = n_estimators, min_samples_leaf
        self.random_state, self.n_jobs = random_state, n_jobs

    def _make(self, regression):
        kind = RandomForestRegressor if regression else RandomForestClassifier
        return kind(n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf, max_samples=0.5,
                    random_state=self.random_state, n_jobs=self.n_jobs)


class Boosted(ByTask):
    """Histogram gradient boosting on the grid's encoded matrix (the ladder's boosted-trees rung
    uses native categories instead)."""

    def __init__(self, learning_rate=0.1, max_iter=100, random_state=0):
        self.learning_rate, self.max_iter, self.random_state = learning_rate, max_iter, random_state

    def _make(self, regression):
        kind = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        return kind(learning_rate=self.learning_rate, max_iter=self.max_iter, random_state=self.random_state)


class ClippedScaler(TransformerMixin, BaseEstimator):
    """Standardise, then clip at ±limit standard deviations (outliers tamed, not dropped)."""

    def __init__(self, limit=3.0):
        self.limit = limit

    def fit(self, X, y=None):
        self.scaler_ = StandardScaler().fit(X)
        return self

    def transform(self, X):
        return np.clip(self.scaler_.transform(X), -self.limit, self.limit)
