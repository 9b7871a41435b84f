"""The corruption finding: error on the rows a kind of damage touched against the rows it left
alone, with a 95% interval; a finding only when the difference is clear of it."""

from __future__ import annotations

import numpy as np
import pytest

from tiltyard.coach import get_lesson
from tiltyard.coach.corruption import MIN_ROWS, Damage, compare, row_errors, trips
from tiltyard.coach.findings import Severity


def damage(touched, op="typos", disclosed=True):
    return Damage(op=op, label=f"{op} in `city`", lesson="category-variants", touched=np.asarray(touched),
                  next_steps=("Map the spellings back",), disclosed=disclosed)


def test_row_errors_for_every_kind_of_prediction():
    errors, what = row_errors("regression", False, np.array([1.0, 3.0]), np.array([2.0, 3.0]))
    assert errors.tolist() == [1.0, 0.0] and what == "absolute error"
    errors, what = row_errors("binary", False, np.array([1, 0, 1]), np.array([1, 1, 0]))
    assert errors.tolist() == [0.0, 1.0, 1.0] and what == "error rate"
    errors, _ = row_errors("binary", True, np.array([1, 0]), np.array([0.75, 0.25]))
    assert errors.tolist() == [0.25, 0.25]
    errors, _ = row_errors("multiclass", True, np.array([2, 0]), np.array([[0.1, 0.1, 0.8], [0.5, 0.5, 0.0]]))
    assert errors == pytest.approx([0.2, 0.5])


def test_damage_that_trips_the_predictions_is_a_finding_with_its_interval():
    rng = np.random.default_rng(0)
    touched = np.zeros(400, dtype=bool)
    touched[:100] = True
    errors = np.where(touched, rng.random(400) < 0.45, rng.random(400) < 0.1).astype(float)
    findings, comparisons = trips(errors, [damage(touched)], "error rate")
    [finding] = findings
    assert finding.id == "trips-on-typos" and finding.lesson == "category-variants"
    assert finding.severity is Severity.SERIOUS  # more than twice as wrong
    numbers = finding.numbers
    assert numbers["rows"] == 100 and numbers["other_rows"] == 300
    assert numbers["low"] > 0 and numbers["low"] < numbers["difference"] < numbers["high"]
    assert numbers["error"] == pytest.approx(errors[touched].mean())
    assert "95% interval" in finding.evidence and "typos in `city`" in finding.title
    assert finding.next_steps == ["Map the spellings back"]
    get_lesson(finding.lesson)


def test_damage_the_pipeline_handles_is_compared_but_raises_nothing():
    rng = np.random.default_rng(1)
    touched = rng.random(400) < 0.3
    errors = (rng.random(400) < 0.2).astype(float)
    findings, [comparison] = trips(errors, [damage(touched)], "error rate")
    assert findings == [] and not comparison.trips and comparison.low <= 0 <= comparison.high


def test_a_trip_well_short_of_double_is_a_warning():
    rng = np.random.default_rng(2)
    touched = np.arange(4000) < 2000
    errors = np.where(touched, rng.random(4000) < 0.3, rng.random(4000) < 0.2).astype(float)
    [finding], _ = trips(errors, [damage(touched)], "error rate")
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize("touched_rows", [MIN_ROWS - 1, 400 - MIN_ROWS + 1])
def test_too_few_rows_on_either_side_say_nothing(touched_rows):
    touched = np.arange(400) < touched_rows
    assert compare(np.ones(400), damage(touched)) is None
    assert trips(np.ones(400), [damage(touched)], "error rate") == ([], [])
