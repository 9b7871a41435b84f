"""Each metric equals scikit-learn's on random inputs (ties, imbalance, tiny samples)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from tiltyard.errors import TiltyardError
from tiltyard.metrics import METRICS, average_ranks, get_metric

SIZES = st.integers(min_value=2, max_value=300)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def binary_case(n, seed, ties):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[0], y[1] = 0, 1  # both classes present
    p = rng.random(n)
    if ties:
        p = np.round(p, 1)  # many tied scores
    return y, p


@settings(max_examples=60, deadline=None)
@given(n=SIZES, seed=SEEDS, ties=st.booleans())
def test_roc_auc_matches_sklearn_binary(n, seed, ties):
    y, p = binary_case(n, seed, ties)
    assert get_metric("roc_auc")(y, p) == pytest.approx(sk.roc_auc_score(y, p), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=6, max_value=200), k=st.integers(3, 5), seed=SEEDS)
def test_roc_auc_matches_sklearn_one_vs_rest(n, k, seed):
    rng = np.random.default_rng(seed)
    y = np.r_[np.arange(k), rng.integers(0, k, n)]
    proba = rng.random((y.size, k))
    proba /= proba.sum(axis=1, keepdims=True)
    expected = sk.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert get_metric("roc_auc")(y, proba) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=SIZES, seed=SEEDS, ties=st.booleans())
def test_average_precision_matches_sklearn(n, seed, ties):
    y, p = binary_case(n, seed, ties)
    assert get_metric("average_precision")(y, p) == pytest.approx(
        sk.average_precision_score(y, p), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=SIZES, seed=SEEDS, extreme=st.booleans())
def test_log_loss_matches_sklearn_binary(n, seed, extreme):
    y, p = binary_case(n, seed, ties=False)
    if extreme:  # hard 0/1 predictions: both clip at machine epsilon
        p = np.round(p)
    assert get_metric("log_loss")(y, p) == pytest.approx(sk.log_loss(y, p), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=4, max_value=200), k=st.integers(3, 5), seed=SEEDS)
def test_log_loss_matches_sklearn_multiclass(n, k, seed):
    rng = np.random.default_rng(seed)
    y = np.r_[np.arange(k), rng.integers(0, k, n)]
    proba = rng.random((y.size, k))
    proba /= proba.sum(axis=1, keepdims=True)
    assert get_metric("log_loss")(y, proba) == pytest.approx(
        sk.log_loss(y, proba, labels=np.arange(k)), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(n=SIZES, k=st.integers(2, 5), seed=SEEDS)
def test_label_metrics_match_sklearn(n, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    assert get_metric("accuracy")(y, pred) == pytest.approx(sk.accuracy_score(y, pred))
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected_bal = sk.balanced_accuracy_score(y, pred)
            binary = set(np.union1d(y, pred).tolist()) <= {0, 1}
            expected_f1 = sk.f1_score(y, pred, average="binary" if binary else "macro",
                                      zero_division=0.0)
    assert get_metric("balanced_accuracy")(y, pred) == pytest.approx(expected_bal)
    assert get_metric("f1")(y, pred) == pytest.approx(expected_f1)


@settings(max_examples=60, deadline=None)
@given(n=SIZES, seed=SEEDS)
def test_regression_metrics_match_sklearn(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.lognormal(11, 0.5, n)
    pred = y * rng.lognormal(0, 0.2, n)
    assert get_metric("rmse")(y, pred) == pytest.approx(sk.root_mean_squared_error(y, pred), rel=1e-9)
    assert get_metric("mae")(y, pred) == pytest.approx(sk.mean_absolute_error(y, pred), rel=1e-9)
    assert get_metric("rmsle")(y, pred) == pytest.approx(
        sk.root_mean_squared_log_error(y, pred), rel=1e-9)
    assert get_metric("r2")(y, pred) == pytest.approx(sk.r2_score(y, pred), rel=1e-9, abs=1e-12)


def test_every_metric_declares_direction_and_needs():
    for metric in METRICS.values():
        assert metric.direction in ("maximize", "minimize")
        assert metric.needs in ("proba", "labels", "values")
    assert get_metric("log_loss").needs_proba and get_metric("log_loss").direction == "minimize"
    assert not get_metric("accuracy").needs_proba


def test_better_follows_direction():
    assert get_metric("roc_auc").better(0.9, 0.8)
    assert get_metric("rmsle").better(0.1, 0.2)


def test_unknown_metric_suggests_the_closest():
    with pytest.raises(TiltyardError, match="Did you mean 'roc_auc'"):
        get_metric("roc-auc")


def test_roc_auc_without_both_classes_says_why():
    with pytest.raises(TiltyardError, match="both classes"):
        get_metric("roc_auc")(np.ones(5, dtype=int), np.linspace(0, 1, 5))


def test_average_ranks_share_ties():
    assert average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]
