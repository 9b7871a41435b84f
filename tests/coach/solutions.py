"""Sound reference solutions per built-in challenge: what a careful learner would hand in.

Each is a ``build_model()``-style factory. The planted-mistakes suite requires that none of
them raise a serious finding; the benchmark times the coach on them.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import TransformedTargetRegressor, make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

TITANIC_CATEGORIES = ["sex", "passengerClass"]
CARAVAN_NOMINAL = ["MOSTYPE", "MOSHOOFD"]
FLIGHT_CATEGORIES = ["carrier", "tailnum", "origin", "dest"]
# month is left out: the test months do not occur in training (a time split).
FLIGHT_NUMBERS = ["day", "sched_dep_time", "sched_arr_time", "distance", "hour", "minute"]


def ordinal_for_trees(categories=make_column_selector(dtype_exclude="number"), numbers=None):
    """Categories as codes (fine for trees), numbers passed through; pandas out for HGB."""
    numbers = numbers if numbers is not None else make_column_selector(dtype_include="number")
    return make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                        encoded_missing_value=-1), categories),
        ("passthrough", numbers), verbose_feature_names_out=False)


def titanic():
    prepare = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), TITANIC_CATEGORIES),
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), ["age"]))
    return make_pipeline(prepare, LogisticRegression(max_iter=1000))


def titanic_boosted():
    return make_pipeline(ordinal_for_trees(TITANIC_CATEGORIES, ["age"]),
                         HistGradientBoostingClassifier(max_iter=100, learning_rate=0.05, random_state=0))


def house_prices():
    model = make_pipeline(ordinal_for_trees(), HistGradientBoostingRegressor(max_iter=300, random_state=0))
    return TransformedTargetRegressor(model, func=np.log1p, inverse_func=np.expm1)


def credit_risk():
    return make_pipeline(ordinal_for_trees(),
                         HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, random_state=0))


def caravan():
    prepare = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), CARAVAN_NOMINAL),
        remainder=StandardScaler())
    return make_pipeline(prepare, LogisticRegression(C=0.01, max_iter=2000))


def flight_delays():
    return make_pipeline(ordinal_for_trees(FLIGHT_CATEGORIES, FLIGHT_NUMBERS),
                         HistGradientBoostingClassifier(max_iter=100, random_state=0))


def scaled_one_hot():
    categories = make_column_selector(dtype_exclude="number")
    numbers = make_column_selector(dtype_include="number")
    return make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
         categories),
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numbers))


def credit_risk_mlp():
    from sklearn.neural_network import MLPClassifier

    return make_pipeline(scaled_one_hot(), MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-2,
                                                         early_stopping=True, max_iter=500, random_state=0))


def credit_risk_torch():
    from torch_models import TorchMLPClassifier

    return make_pipeline(scaled_one_hot(), TorchMLPClassifier(hidden=16, learning_rate=3e-3, epochs=12))


REFERENCES = {
    "titanic-v1": [titanic, titanic_boosted],
    "house-prices-v1": [house_prices],
    "credit-risk-v1": [credit_risk, credit_risk_mlp, credit_risk_torch],
    "caravan-insurance-v1": [caravan],
    "flight-delays-v1": [flight_delays],
}
