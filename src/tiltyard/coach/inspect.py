"""Look inside a learner's estimator: its nested parts, its final model, what reaches it.

Learners hand in pipelines, searches, target transformers and calibrators nested in any
order; checks ask questions about the model at the end and the matrix it was fed, so this
module peels the wrappers off in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.pipeline import FeatureUnion, Pipeline


def _is_search(estimator: Any) -> bool:
    return hasattr(estimator, "param_grid") or hasattr(estimator, "param_distributions")


def _fitted_or_template(estimator: Any, fitted: str, template: str) -> Any:
    # Explicit None test: a Pipeline defines __len__, so `a or b` would misjudge it.
    value = getattr(estimator, fitted, None)
    return value if value is not None else getattr(estimator, template, None)


def children(estimator: Any) -> list[Any]:
    """The estimators directly inside ``estimator``, fitted ones preferred over templates."""
    if isinstance(estimator, Pipeline):
        return [step for _, step in estimator.steps if step not in (None, "passthrough")]
    if isinstance(estimator, ColumnTransformer):
        fitted = getattr(estimator, "transformers_", None)
        listed = fitted if fitted is not None else estimator.transformers
        return [t for _, t, _ in listed if isinstance(t, BaseEstimator)]
    if isinstance(estimator, FeatureUnion):
        return [t for _, t in estimator.transformer_list if isinstance(t, BaseEstimator)]
    if isinstance(estimator, TransformedTargetRegressor):
        regressor = _fitted_or_template(estimator, "regressor_", "regressor")
        transformer = _fitted_or_template(estimator, "transformer_", "transformer")
        return [e for e in [regressor, transformer] if e is not None]
    if _is_search(estimator):
        return [_fitted_or_template(estimator, "best_estimator_", "estimator")]
    calibrated = getattr(estimator, "calibrated_classifiers_", None)
    if calibrated:
        return [calibrated[0].estimator]
    inner = getattr(estimator, "estimator", None)
    return [inner] if isinstance(inner, BaseEstimator) else []


def walk(estimator: Any) -> Iterator[Any]:
    """Every estimator inside ``estimator``, itself first, depth first."""
    yield estimator
    for child in children(estimator):
        yield from walk(child)


def walk_with_inputs(estimator: Any, names: list[str] | None) -> Iterator[tuple[Any, list[str] | None]]:
    """Like :func:`walk`, with the input column names of each part where they can be told:
    a ColumnTransformer hands each branch its columns; a step inside a pipeline keeps them
    while it reads as many features as there are names (imputers, scalers, encoders)."""
    width = getattr(estimator, "n_features_in_", None)
    known = names if names is not None and (width is None or width == len(names)) else None
    yield estimator, known
    if isinstance(estimator, ColumnTransformer) and hasattr(estimator, "transformers_"):
        for _, transformer, columns in estimator.transformers_:
            if isinstance(transformer, BaseEstimator):
                selected = (_column_names(columns, pd.DataFrame(columns=names)) if names is not None
                            else None)
                yield from walk_with_inputs(transformer, selected)
        return
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            if step in (None, "passthrough"):
                continue
            yield from walk_with_inputs(step, known)
            if getattr(step, "n_features_in_", None) is not None and hasattr(step, "transform"):
                try:
                    known = [str(n) for n in step.get_feature_names_out(known)] if known else None
                except Exception:  # noqa: BLE001 - names are a nicety; the width check guards use
                    known = None
        return
    for child in children(estimator):
        yield from walk_with_inputs(child, known)


@dataclass
class FinalStage:
    """The model at the end of the pipeline and a sample of the matrix it was fed."""

    estimator: Any
    X: np.ndarray | None
    feature_names: list[str]


def _as_dense(X: Any, rows: int) -> np.ndarray | None:
    if sparse.issparse(X):
        return np.asarray(X[:rows].todense(), dtype=float)
    if isinstance(X, pd.DataFrame):
        numeric = X.iloc[:rows]
        try:
            return numeric.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            return None  # text or category columns reach the model as they are
    try:
        return np.asarray(X[:rows], dtype=float)
    except (TypeError, ValueError):
        return None


def _names(transformer: Any, X_before: Any, width: int) -> list[str]:
    try:
        return [str(n) for n in transformer.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - many transformers cannot name their outputs
        if isinstance(X_before, pd.DataFrame) and X_before.shape[1] == width:
            return [str(c) for c in X_before.columns]
        return [f"x{i}" for i in range(width)]


def final_stage(fitted: Any, X: pd.DataFrame, rows: int = 2000) -> FinalStage:
    """Peel wrappers off a fitted estimator, transforming a sample of ``X`` on the way."""
    sample = X.iloc[:rows]
    current, names = fitted, [str(c) for c in X.columns]
    while True:
        if isinstance(current, Pipeline) and len(current.steps) > 1:
            head = current[:-1]
            transformed = head.transform(sample)
            names = _names(head, sample, transformed.shape[1])
            sample, current = transformed, current.steps[-1][1]
            continue
        if isinstance(current, Pipeline):
            current = current.steps[-1][1]
            continue
        inner = children(current)
        if inner and not isinstance(current, (ColumnTransformer, FeatureUnion)):
            current = inner[0]
            continue
        return FinalStage(estimator=current, X=_as_dense(sample, rows), feature_names=names)


def columns_used(fitted: Any, X: pd.DataFrame) -> set[str] | None:
    """Input columns a fitted model reads, when its first step selects them (a ColumnTransformer
    that drops the remainder); None when it reads every column."""
    first = fitted
    while True:
        if isinstance(first, Pipeline):
            first = first.steps[0][1]
        elif isinstance(first, TransformedTargetRegressor) or _is_search(first):
            first = children(first)[0]
        else:
            break
    if not isinstance(first, ColumnTransformer) or not hasattr(first, "transformers_"):
        return None
    used: set[str] = set()
    for name, transformer, columns in first.transformers_:
        if name == "remainder" and transformer == "drop":
            continue
        if transformer == "drop":
            continue
        used.update(_column_names(columns, X))
    return used


def _column_names(columns: Any, X: pd.DataFrame) -> list[str]:
    """A ColumnTransformer's column spec (names, positions or a mask) as names."""
    if isinstance(columns, str):
        return [columns]
    items = list(columns)
    if items and isinstance(items[0], (bool, np.bool_)):
        return [str(c) for c in X.columns[np.asarray(items)]]
    return [str(X.columns[c]) if isinstance(c, (int, np.integer)) else str(c) for c in items]


SCALE_SENSITIVE_MODULES = ("sklearn.neighbors", "sklearn.svm", "sklearn.neural_network")
LINEAR_MODULES = ("sklearn.linear_model", "sklearn.svm", "sklearn.neighbors",
                  "sklearn.neural_network", "sklearn.discriminant_analysis")


def module_of(estimator: Any) -> str:
    return type(estimator).__module__


def is_penalised_linear(estimator: Any) -> bool:
    if not module_of(estimator).startswith("sklearn.linear_model"):
        return False
    name = type(estimator).__name__
    if name in ("LinearRegression", "ARDRegression", "BayesianRidge", "TheilSenRegressor",
                "RANSACRegressor"):
        return False
    penalty = getattr(estimator, "penalty", "l2")
    return penalty not in (None, "none")


def is_scale_sensitive(estimator: Any) -> bool:
    return module_of(estimator).startswith(SCALE_SENSITIVE_MODULES) or is_penalised_linear(estimator)


def reads_numbers_as_magnitudes(estimator: Any) -> bool:
    """Models for which code 7 is 'more than' code 3: linear, distance and neural models."""
    return module_of(estimator).startswith(LINEAR_MODULES)


def describe(estimator: Any) -> str:
    return type(estimator).__name__
