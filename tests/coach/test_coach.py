"""The coach around the checks: lessons, the store, the time budget, the progress bar, the
solution-file entry point, rendering and the errors a learner can meet."""

from __future__ import annotations

import io
import json
import runpy

import pandas as pd
import pytest
from rich.console import Console
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier
from solutions import ordinal_for_trees
from solutions import titanic as titanic_reference

import tiltyard
from tiltyard.coach import Case, coach_model, coach_predictions, get_lesson, load_build_model
from tiltyard.coach.challenge import case_from_challenge, coach_challenge
from tiltyard.coach.findings import CoachReport, Finding, Severity
from tiltyard.coach.journal import lessons_met, record_lessons
from tiltyard.coach.lesson_book import all_lessons
from tiltyard.coach.render import render_lesson, render_lessons_met, render_report
from tiltyard.errors import TiltyardError

UNPRUNED_TREE = """
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier
from sklearn.compose import make_column_transformer
from sklearn.preprocessing import OrdinalEncoder

def build_model():
    codes = make_column_transformer((OrdinalEncoder(), ["sex", "passengerClass"]),
                                    ("passthrough", ["age"]))
    return make_pipeline(codes, DecisionTreeClassifier(random_state=0))
"""


@pytest.mark.parametrize("lesson_id", sorted(all_lessons()))
def test_every_lesson_has_a_title_and_a_snippet_that_runs(lesson_id, tmp_path, monkeypatch):
    lesson = get_lesson(lesson_id)
    assert lesson.title and len(lesson.markdown.split()) < 400, "lessons stay short"
    script = tmp_path / "snippet.py"
    script.write_text(lesson.snippet)
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(script))


def test_an_unknown_lesson_suggests_the_closest_one():
    with pytest.raises(TiltyardError, match="dead-relu"):
        get_lesson("dead-relus")


def _report(*pairs, challenge="titanic-v1"):
    findings = [Finding(id=fid, severity=Severity.SERIOUS, title=fid, evidence="e", next_steps=["s"],
                        lesson=lesson) for fid, lesson in pairs]
    return CoachReport(challenge_id=challenge, subject="model", findings=findings)


def test_lessons_met_are_stored_once_per_learner_and_counted(home):
    first = record_lessons(_report(("overfitting", "bias-and-variance"), ("rows-dropped", "missing-values")))
    again = record_lessons(_report(("underfitting", "bias-and-variance"), challenge="house-prices-v1"))
    assert sorted(first) == ["bias-and-variance", "missing-values"] and again == []
    met = {m.lesson_id: m for m in lessons_met()}
    assert met["bias-and-variance"].times_met == 2
    assert met["bias-and-variance"].first_finding == "overfitting"
    assert met["bias-and-variance"].first_challenge == "titanic-v1"
    assert lessons_met(owner="someone-else") == []
    console = Console(record=True, width=200)
    render_lessons_met(lessons_met(), console)
    assert "Bias and variance" in console.export_text()


def test_the_cli_entry_point_coaches_a_solution_file_and_keeps_report_charts_and_lessons(home, tmp_path):
    solution = tmp_path / "solution.py"
    solution.write_text(UNPRUNED_TREE)
    report = coach_challenge(tiltyard.load("titanic-v1"), load_build_model(solution), progress=False, history=[])
    assert "overfitting" in report.ids
    assert (report.folder / "coach.json").is_file()
    assert report.folder.is_relative_to(home)
    saved = json.loads((report.folder / "coach.json").read_text())
    assert saved["challenge_id"] == "titanic-v1"
    assert "bias-and-variance" in report.new_lessons
    assert "bias-and-variance" in [m.lesson_id for m in lessons_met()]
    console = Console(record=True, width=200)
    render_report(report, console, new_lessons=report.new_lessons)
    text = console.export_text()
    assert "overfitting" in text and "tiltyard lessons bias-and-variance" in text


def test_a_solution_file_without_build_model_says_what_to_add(tmp_path):
    solution = tmp_path / "solution.py"
    solution.write_text("def make_model():\n    return None\n")
    with pytest.raises(TiltyardError) as caught:
        load_build_model(solution)
    assert caught.value.code == "no_build_model" and "make_model" in str(caught.value)
    with pytest.raises(TiltyardError, match="No solution file"):
        load_build_model(tmp_path / "missing.py")


def test_a_time_budget_cuts_the_run_short_and_says_what_was_skipped(titanic):
    case = case_from_challenge(titanic, history=[])
    slow = make_pipeline(ordinal_for_trees(["sex", "passengerClass"], ["age"]),
                         DecisionTreeClassifier(random_state=0))
    report = coach_model(case, slow, budget_seconds=1e-3, progress=False)
    assert report.scores["folds"] == 1
    assert report.skipped[0] == "cross-validation folds 2-5"
    assert "leakage" in report.skipped


def test_the_progress_bar_shows_folds_and_checks_on_a_terminal(titanic):
    case = case_from_challenge(titanic, history=[])
    output = io.StringIO()
    console = Console(file=output, force_terminal=True, width=120)
    coach_model(case, titanic_reference(), progress=console)
    from tiltyard.coach.checks import CHECKS

    total = 5 + 1 + len(CHECKS)
    assert "coach" in output.getvalue() and f"{total}/{total}" in output.getvalue()


def test_the_coach_refuses_what_is_not_an_estimator(titanic):
    case = case_from_challenge(titanic, history=[])
    with pytest.raises(TiltyardError, match="scikit-learn compatible estimator"):
        coach_model(case, "LogisticRegression()", progress=False)
    with pytest.raises(TiltyardError, match="either a model"):
        coach_challenge(titanic, progress=False)


def test_features_whose_rows_do_not_line_up_with_the_target_are_refused(titanic):
    shuffled = titanic.X_train.dropna().reset_index(drop=True)
    shuffled.index = shuffled.index + 10_000
    with pytest.raises(TiltyardError, match="keep the index"):
        case_from_challenge(titanic, X_train=shuffled, history=[])


def test_a_sound_predictions_file_raises_nothing_serious(titanic):
    case = case_from_challenge(titanic, history=[])
    model = titanic_reference().fit(titanic.X_train, titanic.y_train)
    predictions = pd.DataFrame({"passenger_id": titanic.test_features["passenger_id"],
                                "survived": model.predict(titanic.X_test)})
    report = coach_predictions(case, predictions, progress=False)
    assert report.serious == []


def test_predictions_without_the_prediction_column_are_refused(titanic):
    case = case_from_challenge(titanic, history=[])
    with pytest.raises(TiltyardError, match="'survived'"):
        coach_predictions(case, pd.DataFrame({"passenger_id": [1], "prediction": [1]}), progress=False)


def test_a_plain_case_works_without_any_challenge():
    import numpy as np

    from tiltyard.challenges.manifest import Task
    from tiltyard.metrics import get_metric

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = pd.Series(np.where(X["a"] + rng.normal(size=300) > 0, "yes", "no"))
    task = Task(type="binary", target="y", id_column="id", classes=["no", "yes"], positive_label="yes")
    report = coach_model(Case(X_train=X, y_train=y, task=task, metric=get_metric("roc_auc")),
                         LogisticRegression(), progress=False)
    assert report.scores["cross_validated"] > 0.7 and report.serious == []
    render_lesson("bias-and-variance", Console(file=io.StringIO()))


def test_the_learning_curve_stays_out_of_a_spent_budget(titanic):
    import time

    from tiltyard.coach.budget import TimeBudget
    from tiltyard.coach.crossval import cross_validate
    from tiltyard.coach.learning_curve import learning_curve

    case = case_from_challenge(titanic, history=[])
    cv = cross_validate(case, titanic_reference())
    spent = TimeBudget(1e-6)
    time.sleep(1e-3)
    assert learning_curve(case, titanic_reference(), cv, spent) is None
    curve = learning_curve(case, titanic_reference(), cv, TimeBudget(None))
    assert curve.rows == sorted(curve.rows) and abs(curve.rows[-1] - len(case.X_train) * 4 / 5) <= 1


def test_a_time_split_is_reported_as_validated_in_time_order(home):
    from solutions import flight_delays

    import tiltyard

    flights = tiltyard.load("flight-delays-v1")
    report = coach_challenge(flights, flight_delays(), history=[], max_rows=3_000, progress=False,
                             record=False)
    console = Console(record=True, width=200)
    render_report(report, console)
    assert "Validated in time order" in console.export_text()
    assert json.loads((report.folder / "coach.json").read_text())["scores"]["time_ordered"] is True


def test_leaderboard_chasing_is_read_from_the_learners_real_submissions(titanic, tmp_path):
    """A learner flips one prediction at a time and keeps each flip the public score rewards:
    the store's history, not a list handed to the coach, raises the finding."""
    import numpy as np

    from tiltyard.submissions import submit_file

    labels = titanic_reference().fit(titanic.X_train, titanic.y_train).predict(titanic.X_test)
    kept, best, rng = labels.copy(), None, np.random.default_rng(0)
    for attempt in range(22):
        trial = kept.copy()
        flip = rng.integers(len(trial))
        trial[flip] = "yes" if trial[flip] == "no" else "no"
        path = tmp_path / f"attempt{attempt}.csv"
        titanic.as_submission(trial).to_csv(path, index=False)
        graded = submit_file("titanic-v1", path)
        assert graded.status == "graded", graded.error
        score = graded.public_scores[graded.primary_metric]
        if best is None or score >= best:
            kept, best = trial, score
    other = tmp_path / "other.csv"
    titanic.as_submission(labels).to_csv(other, index=False)
    submit_file("titanic-v1", other, owner="someone-else")  # not this learner's history

    report = coach_challenge(titanic, titanic_reference(), progress=False, record=False)
    finding = report.get("leaderboard-chasing")
    assert finding is not None and finding.severity is Severity.SERIOUS
    assert finding.numbers["submissions"] == 22
    assert "22 submissions" in finding.evidence and finding.plot.is_file()
