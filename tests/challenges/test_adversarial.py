"""Adversarial validation: a split that claims to be random must not be told apart."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import tiltyard
from tiltyard.kinds.table.adversarial import adversarial_split, chance_threshold, claims_random_split


def _check(challenge_id: str):
    ch = tiltyard.load(challenge_id)
    train, test = ch.train, ch.test_features  # built and read before the clock starts
    started = time.perf_counter()
    result = adversarial_split(train, test, feature_columns=ch.feature_columns, seed=0)
    assert time.perf_counter() - started < 20  # a few seconds; generous on a busy machine
    return result


@pytest.mark.slow  # adversarial validation with and without the year: 10 s
def test_house_prices_v1_is_told_apart_by_the_year_of_sale(home):
    result = _check("house-prices-v1")
    assert not result.passed and result.auc > 0.95
    assert result.giveaways[0] == "Year_Sold" and result.column_aucs["Year_Sold"] > 0.9
    assert result.detail.startswith("train and test can be told apart: ROC AUC 1.00")
    assert "Year_Sold (0.96 alone) gives it away" in result.detail


@pytest.mark.parametrize("challenge_id", ["house-prices-v2", "titanic-v1"])
def test_random_splits_look_alike(home, challenge_id):
    result = _check(challenge_id)
    assert result.passed, result.detail
    assert result.auc < 0.53 and result.giveaways == []
    assert result.detail.startswith("train and test look alike")


def test_a_sorted_split_fails_and_names_its_column_and_a_shuffled_one_passes():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"day": np.arange(3000), "noise": rng.normal(size=3000),
                          "town": rng.choice(["a", "b", "c"], 3000),
                          "name": [f"n{i}" for i in range(3000)]})
    columns = ["day", "noise", "town", "name"]
    sorted_split = adversarial_split(frame[:2400], frame[2400:], feature_columns=columns, seed=0)
    assert not sorted_split.passed and sorted_split.giveaways == ["day"]
    shuffled = frame.sample(frac=1, random_state=0)
    random_split = adversarial_split(shuffled[:2400], shuffled[2400:], feature_columns=columns,
                                     seed=0)
    # A name seen once tells nothing on its own, even as a category.
    assert random_split.passed and random_split.column_aucs["name"] < 0.55


def test_large_tables_are_subsampled_and_stay_quick():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=200_000), "y": rng.integers(0, 9, 200_000)})
    started = time.perf_counter()
    result = adversarial_split(frame[:150_000], frame[150_000:], feature_columns=["x", "y"], seed=0)
    assert time.perf_counter() - started < 20
    assert result.passed and result.rows == 20_000


def test_chance_is_wider_for_small_tables_and_random_claims_are_recognised():
    assert chance_threshold(2344, 586) == pytest.approx(0.553, abs=0.001)
    assert chance_threshold(100_000, 30_000) == 0.55
    assert chance_threshold(80, 20) > 0.75
    assert claims_random_split("random") and claims_random_split("stratified random")
    assert not claims_random_split("time") and not claims_random_split("grouped")
