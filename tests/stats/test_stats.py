"""tiltyard.stats against direct computations: IQM against scipy's trimmed mean and a sort,
intervals that cover what they should, the stratified bootstrap resampling within tasks, and
the probability of improvement against counting pairs."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from tiltyard.stats import (
    StatsError,
    bootstrap_ci,
    iqm,
    paired_difference_ci,
    probability_of_improvement,
    stratified_bootstrap_ci,
)


def test_iqm_is_the_mean_of_the_middle_half():
    values = np.array([100.0, 1, 2, 3, 4, 5, 6, -50])
    assert iqm(values) == pytest.approx(np.mean(np.sort(values)[2:6]))
    assert iqm(values) == pytest.approx(scipy_stats.trim_mean(values, 0.25))


def test_bootstrap_interval_matches_the_normal_interval_on_a_large_sample():
    sample = np.random.default_rng(1).normal(10, 2, size=2000)
    interval = bootstrap_ci(sample, seed=3)
    half_width = 1.96 * sample.std(ddof=1) / np.sqrt(sample.size)
    assert interval.estimate == pytest.approx(sample.mean())
    assert interval.low < interval.estimate < interval.high
    assert (interval.high - interval.low) / 2 == pytest.approx(half_width, rel=0.1)


def test_bootstrap_is_deterministic_per_seed():
    sample = np.arange(20.0)
    assert bootstrap_ci(sample, seed=5) == bootstrap_ci(sample, seed=5)
    assert bootstrap_ci(sample, seed=5) != bootstrap_ci(sample, seed=6)


def test_stratified_bootstrap_resamples_runs_within_each_task():
    # Task 0's runs are all 1.0 and task 1's all 3.0: any resample within tasks keeps the mean
    # at 2.0 exactly, whereas resampling the pooled runs would move it.
    scores = np.column_stack([np.ones(5), np.full(5, 3.0)])
    interval = stratified_bootstrap_ci(scores, np.mean)
    assert (interval.estimate, interval.low, interval.high) == (2.0, 2.0, 2.0)


def test_stratified_iqm_interval_brackets_the_iqm():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(10, 4)) + np.arange(4)
    interval = stratified_bootstrap_ci(scores)
    assert interval.estimate == pytest.approx(iqm(scores.reshape(-1)))
    assert interval.low < interval.estimate < interval.high


def test_probability_of_improvement_counts_pairs_with_half_for_ties():
    x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    y = np.array([[2.0, 5.0], [0.0, 5.0]])
    # Task 0: pairs x>y: (1>0),(2>0),(3>2),(3>0) = 4, ties (2=2) = 1 -> (4 + 0.5) / 6.
    # Task 1: every pair ties -> 0.5.
    expected = ((4 + 0.5) / 6 + 0.5) / 2
    assert probability_of_improvement(x, y).estimate == pytest.approx(expected)


def test_probability_of_improvement_is_one_when_every_run_wins():
    interval = probability_of_improvement(np.arange(10.0) + 100, np.arange(10.0))
    assert (interval.estimate, interval.low, interval.high) == (1.0, 1.0, 1.0)


def test_paired_difference_sees_a_small_consistent_gain():
    rng = np.random.default_rng(2)
    base = rng.normal(0.8, 0.05, size=30)
    interval = paired_difference_ci(base + 0.01, base)
    assert interval.estimate == pytest.approx(0.01)
    assert interval.excludes(0.0)


@pytest.mark.parametrize("call, message", [
    (lambda: bootstrap_ci([]), "wrong shape"),
    (lambda: bootstrap_ci([1.0, float("nan")]), "NaN or infinite"),
    (lambda: bootstrap_ci([1.0, 2.0], confidence=95), "strictly between 0 and 1"),
    (lambda: paired_difference_ci([1.0, 2.0], [1.0]), "one b for every a"),
    (lambda: probability_of_improvement(np.ones((3, 2)), np.ones((3, 3))), "same tasks"),
])
def test_bad_scores_are_refused_with_what_to_do(call, message):
    with pytest.raises(StatsError, match=message) as raised:
        call()
    assert "Expected" in str(raised.value)
