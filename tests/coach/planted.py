"""Planted mistakes: for every check, a flawed solution on a built-in challenge.

Each entry says which finding it must raise. ``make(ch)`` returns the keyword arguments for
``coach_challenge``: a model, or predictions, or the learner's own feature tables, or a
submission history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor, make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from solutions import (
    FLIGHT_CATEGORIES,
    FLIGHT_NUMBERS,
    TITANIC_CATEGORIES,
    caravan,
    ordinal_for_trees,
    titanic,
)

NUMBERS = make_column_selector(dtype_include="number")
CATEGORIES = make_column_selector(dtype_exclude="number")


@dataclass(frozen=True)
class Planted:
    finding: str
    challenge: str
    story: str
    make: Callable[[Any], dict]


def one_hot_and_scale(scale=True):
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()) if scale else \
        SimpleImputer(strategy="median")
    return make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
         CATEGORIES), (numbers, NUMBERS))


def _model(build):
    return lambda ch: {"model": build()}


def _with_leak(ch):
    # "collection_calls" is logged by the debt collectors after a loan went bad.
    rng = np.random.default_rng(0)
    bad = (ch.y_train == "bad").to_numpy()
    X_train = ch.X_train.assign(collection_calls=bad * rng.poisson(4, len(bad)) + rng.random(len(bad)))
    X_test = ch.X_test.assign(collection_calls=rng.random(len(ch.X_test)))
    return {"model": make_pipeline(ordinal_for_trees(), DecisionTreeClassifier(max_depth=4)),
            "X_train": X_train, "X_test": X_test}


def _with_row_number(ch):
    X_train = ch.X_train.assign(row_number=np.arange(len(ch.X_train)))
    X_test = ch.X_test.assign(row_number=np.arange(len(ch.X_train), len(ch.X_train) + len(ch.X_test)))
    return {"model": make_pipeline(ordinal_for_trees(), DecisionTreeClassifier(max_depth=6)),
            "X_train": X_train, "X_test": X_test}


def _train_only(ch):
    # The lifeboat number is known only for survivors, and only after the sinking.
    rng = np.random.default_rng(0)
    boat = np.where(ch.y_train == "yes", rng.integers(1, 16, len(ch.y_train)), 0)
    X_train = ch.X_train.assign(boat=boat)
    return {"model": make_pipeline(ordinal_for_trees(TITANIC_CATEGORIES, ["age", "boat"]),
                                   DecisionTreeClassifier(max_depth=4)), "X_train": X_train}


def _days_since_start(ch):
    def add(frame):
        when = pd.to_datetime(frame["time_hour"])
        return frame.assign(days=(when - pd.Timestamp("2013-01-01", tz=when.dt.tz)).dt.days)
    return {"model": make_pipeline(ordinal_for_trees(["carrier", "origin", "dest"], ["days", "hour", "distance"]),
                                   DecisionTreeClassifier(max_depth=6)),
            "X_train": add(ch.X_train), "X_test": add(ch.X_test)}


def with_day_of_year(frame):
    return frame.assign(day_of_year=pd.to_datetime(frame["time_hour"]).dt.day_of_year)


def _day_of_year(ch):
    # The reference flights model plus the day of the year: shuffled folds train on the days
    # around each validation day, so the day's weather leaks in and flatters it.
    model = make_pipeline(ordinal_for_trees(FLIGHT_CATEGORIES, [*FLIGHT_NUMBERS, "day_of_year"]),
                          HistGradientBoostingClassifier(max_iter=100, random_state=0))
    return {"model": model, "X_train": with_day_of_year(ch.X_train), "X_test": with_day_of_year(ch.X_test)}


def _dropna(ch):
    return {"model": titanic(), "X_train": ch.X_train.dropna()}


def _hard_label_file(ch):
    rng = np.random.default_rng(0)
    ids = ch.test_features[ch.task.id_column]
    return {"predictions": pd.DataFrame({ch.task.id_column: ids,
                                         ch.task.target: rng.integers(0, 2, len(ids))})}


def _prices_in_thousands(ch):
    rng = np.random.default_rng(0)
    ids = ch.test_features[ch.task.id_column]
    guess = ch.y_train.mean() / 1000 * rng.lognormal(0, 0.3, len(ids))
    return {"predictions": pd.DataFrame({ch.task.id_column: ids, ch.task.target: guess})}


def _chasing(ch):
    # 25 submissions nudging a 0.77 accuracy by a few thousandths each: noise on 118 rows.
    history = list(0.765 + np.cumsum(np.r_[0, np.full(24, 0.0005)]) + np.tile([0, -0.002], 13)[:25])
    return {"model": titanic(), "history": history}


def _ordinal_linear_prices():
    prepare = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="most_frequent"),
                       OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)), CATEGORIES),
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMBERS))
    return TransformedTargetRegressor(make_pipeline(prepare, Ridge()), func=np.log1p, inverse_func=np.expm1)


def _caravan_codes_as_numbers():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))


def _mlp(**options):
    return lambda: make_pipeline(one_hot_and_scale(), MLPClassifier(random_state=0, **options))


PLANTED: list[Planted] = [
    Planted("overfitting", "credit-risk-v1", "an unpruned decision tree",
            _model(lambda: make_pipeline(ordinal_for_trees(), DecisionTreeClassifier(random_state=0)))),
    Planted("underfitting", "house-prices-v1", "ridge regression with an enormous penalty",
            _model(lambda: TransformedTargetRegressor(make_pipeline(one_hot_and_scale(), Ridge(alpha=1e7)),
                                                      func=np.log1p, inverse_func=np.expm1))),
    Planted("target-leakage", "credit-risk-v1", "a column logged after the loan went bad", _with_leak),
    Planted("id-like-feature", "flight-delays-v1", "the row number kept as a feature", _with_row_number),
    Planted("train-only-feature", "titanic-v1", "the lifeboat number, known only for survivors", _train_only),
    Planted("train-test-shift", "flight-delays-v1", "days since 1 January on a time split", _days_since_start),
    Planted("time-trend-feature", "flight-delays-v1", "the day of the year as a feature on a time split",
            _day_of_year),
    Planted("single-class-predictions", "titanic-v1", "an RBF SVM so regularised it says 'no' to all",
            _model(lambda: make_pipeline(make_column_transformer(
                (OneHotEncoder(handle_unknown="ignore"), TITANIC_CATEGORIES),
                (make_pipeline(SimpleImputer(), StandardScaler()), ["age"])), SVC(C=1e-3)))),
    Planted("tuned-for-accuracy", "caravan-insurance-v1", "a grid search scored by accuracy",
            _model(lambda: GridSearchCV(caravan(), {"logisticregression__C": [1e-3, 1e-1]}, cv=3))),
    Planted("hard-labels", "credit-risk-v1", "an SVC without probabilities",
            _model(lambda: make_pipeline(one_hot_and_scale(), SVC()))),
    Planted("hard-labels", "caravan-insurance-v1", "a predictions file of 0/1 labels", _hard_label_file),
    Planted("poor-calibration", "credit-risk-v1", "naive Bayes probabilities on a log-loss metric",
            _model(lambda: make_pipeline(one_hot_and_scale(), GaussianNB()))),
    Planted("model-fails-on-missing", "credit-risk-v1", "logistic regression with no imputer",
            _model(lambda: make_pipeline(make_column_transformer(
                (OneHotEncoder(handle_unknown="ignore"), CATEGORIES), (StandardScaler(), NUMBERS)),
                LogisticRegression(max_iter=1000)))),
    Planted("rows-dropped", "titanic-v1", "dropna() on the passengers without an age", _dropna),
    Planted("unscaled-features", "credit-risk-v1", "k-NN on raw incomes and amounts",
            _model(lambda: make_pipeline(one_hot_and_scale(scale=False), KNeighborsClassifier(50)))),
    Planted("integer-coded-categories", "house-prices-v1", "ordinal codes for neighbourhoods in a ridge",
            _model(_ordinal_linear_prices)),
    Planted("integer-coded-categories", "caravan-insurance-v1", "customer type codes read as numbers",
            _model(_caravan_codes_as_numbers)),
    Planted("one-hot-explosion", "titanic-v1", "one-hot encoding every passenger's name",
            _model(lambda: make_pipeline(make_column_transformer(
                (OneHotEncoder(handle_unknown="ignore"), ["name", *TITANIC_CATEGORIES]),
                (SimpleImputer(), ["age"])), LogisticRegression(max_iter=1000)))),
    Planted("log-target-on-raw-scale", "house-prices-v1", "boosting on raw sale prices",
            _model(lambda: make_pipeline(ordinal_for_trees(), HistGradientBoostingRegressor(random_state=0)))),
    Planted("dead-relu", "credit-risk-v1", "an MLP with a huge learning rate",
            _model(_mlp(hidden_layer_sizes=(64, 64), learning_rate_init=0.3, max_iter=50))),
    Planted("dead-relu", "credit-risk-v1", "a PyTorch net with biases initialised at -3",
            _model(lambda: make_pipeline(one_hot_and_scale(), __import__("torch_models").TorchMLPClassifier(
                bias_init=-3.0, epochs=5)))),
    Planted("loss-diverging", "credit-risk-v1", "SGD with a learning rate of 5 on raw inputs",
            _model(lambda: make_pipeline(one_hot_and_scale(scale=False), MLPClassifier(
                solver="sgd", learning_rate_init=5.0, momentum=0.9, max_iter=50, random_state=0)))),
    Planted("loss-stalling", "credit-risk-v1", "SGD with a learning rate of 1e-7",
            _model(_mlp(solver="sgd", learning_rate_init=1e-7, max_iter=15))),
    Planted("not-converged", "credit-risk-v1", "an MLP stopped after 5 epochs",
            _model(_mlp(max_iter=5))),
    Planted("leaderboard-chasing", "titanic-v1", "25 submissions chasing thousandths", _chasing),
    Planted("prediction-distribution", "house-prices-v1", "prices submitted in thousands", _prices_in_thousands),
]
