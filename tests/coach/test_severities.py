"""A finding is as severe as its own evidence, in words that fit the model it describes."""

from __future__ import annotations

import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from solutions import ordinal_for_trees
from threadpoolctl import threadpool_limits

from tiltyard.coach.challenge import coach_challenge
from tiltyard.coach.findings import Severity

NUMBERS = make_column_selector(dtype_include="number")
CATEGORIES = make_column_selector(dtype_exclude="number")


def _coach(challenge_id, model, tmp_path):
    import tiltyard

    with threadpool_limits(limits=1):
        return coach_challenge(tiltyard.load(challenge_id), model, history=[], progress=False,
                               record=False, folder=tmp_path)


def _log_scale_gain(finding) -> float:
    """How much the finding's own one-fold refit on log1p(target) improves the metric."""
    raw, log = finding.numbers["one_fold_score_on_raw_scale"], finding.numbers["one_fold_score_on_log_scale"]
    return (raw - log) / raw


def _scaled_numbers():
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler())


def test_a_small_gain_from_the_log_scale_is_not_serious(home, tmp_path):
    boosted = make_pipeline(ordinal_for_trees(), HistGradientBoostingRegressor(random_state=0))
    finding = _coach("house-prices-v1", boosted, tmp_path).get("log-target-on-raw-scale")
    gain = _log_scale_gain(finding)
    assert gain < 0.05, f"boosting barely gains from the log scale here, {gain:.1%}"
    assert finding.severity is not Severity.SERIOUS, finding.evidence
    assert f"{gain:.1%} better" in finding.evidence


def test_a_large_gain_from_the_log_scale_is_serious(home, tmp_path):
    ridge = make_pipeline(make_column_transformer(
        (_scaled_numbers(), NUMBERS), (OneHotEncoder(handle_unknown="ignore"), CATEGORIES)), Ridge())
    finding = _coach("house-prices-v1", ridge, tmp_path).get("log-target-on-raw-scale")
    assert _log_scale_gain(finding) >= 0.05 and finding.severity is Severity.SERIOUS


@pytest.mark.parametrize(("final", "says", "never"), [
    (KNeighborsRegressor(15), "distances", "slope"),
    (Ridge(), "slope", "distances"),
])
def test_integer_codes_are_explained_in_the_models_own_terms(home, tmp_path, final, says, never):
    codes = make_pipeline(SimpleImputer(strategy="most_frequent"),
                          OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))
    model = make_pipeline(make_column_transformer((codes, CATEGORIES), (_scaled_numbers(), NUMBERS)), final)
    finding = _coach("house-prices-v1", model, tmp_path).get("integer-coded-categories")
    assert says in finding.evidence and never not in finding.evidence, finding.evidence


def test_calibration_is_no_warning_where_roc_auc_is_the_score(home, tmp_path):
    model = make_pipeline(make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), CATEGORIES), (_scaled_numbers(), NUMBERS)), GaussianNB())
    report = _coach("credit-risk-v1", model, tmp_path)
    assert report.scores["metric"] == "roc_auc"
    finding = report.get("poor-calibration")
    assert finding.severity is Severity.INFO, "ROC AUC reads only the order, which calibration keeps"
    assert "your score would not move" in finding.evidence
