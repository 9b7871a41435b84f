"""Code submissions through the learner's commands and through the durable queue."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tiltyard.cli import app

SOLUTION = '''
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder


def build_model():
    encode = make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["sex", "passengerClass"]),
        ("passthrough", ["age"]))
    return make_pipeline(encode, HistGradientBoostingClassifier(max_iter=50))
'''


def test_submit_code_reports_score_and_what_the_run_used(home, tmp_path):
    path = tmp_path / "solution.py"
    path.write_text(SOLUTION)
    result = CliRunner().invoke(app, ["submit", "titanic-v1", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "graded" and report["public_scores"]["accuracy"] > 0.7
    run = section_data(report, "run")
    assert run["outcome"] == "ok" and run["sandbox"] == "bubblewrap"
    assert run["wall_s"] > 0 and run["peak_memory_mb"] > 10 and run["budget"]["memory_mb"] > 0
    shown = CliRunner().invoke(app, ["report", str(report["submission_id"])]).stdout
    assert "Ran in the sandbox (bubblewrap)" in shown
    assert f"limits enforced by {run['limits_enforced_by']}" in shown
    assert run["limits_enforced_by"] in ("cgroup-v1", "cgroup-v2", "rlimits")


def test_failing_code_is_rejected_with_its_class_and_the_learners_traceback(home, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import pandas\n\ndef build_model():\n    return helper()\n")
    result = CliRunner().invoke(app, ["submit", "titanic-v1", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["status"] == "rejected" and report["error"]["code"] == "exception"
    assert "NameError" in report["error"]["message"] and "helper()" in report["error"]["got"]
    assert "site-packages" not in report["error"]["got"]  # the learner's frames only
    assert section_data(report, "run")["outcome"] == "exception"


def test_the_queue_grades_a_received_submission_once(home, tmp_path):
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker
    from tiltyard.submissions import get_report, receive_file

    path = tmp_path / "solution.py"
    path.write_text(SOLUTION)
    submission_id = receive_file("titanic-v1", path)
    queue.enqueue("grade_submission", {"submission_id": submission_id})
    queue.enqueue("grade_submission", {"submission_id": submission_id})  # asked twice: one job
    summary = run_worker(until_idle=True, concurrency=1)
    assert summary.done == 1 and summary.failed == 0
    report = get_report(submission_id)
    assert report.status == "graded" and report.section("run").data["outcome"] == "ok"


WEATHER_JOIN = '''
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline


class JoinWeather(BaseEstimator, TransformerMixin):
    """Reads the side table the way a workspace does: data/weather.csv."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        weather = pd.read_csv("data/weather.csv")[["origin", "time_hour", "visib", "wind_speed"]]
        joined = X.merge(weather, on=["origin", "time_hour"], how="left")
        return joined[["hour", "distance", "visib", "wind_speed"]]


def build_model():
    return make_pipeline(JoinWeather(), HistGradientBoostingClassifier(max_iter=30))
'''


def test_code_reads_side_tables_from_data_like_in_a_workspace(home, tmp_path):
    path = tmp_path / "weather.py"
    path.write_text(WEATHER_JOIN)
    result = CliRunner().invoke(app, ["submit", "flight-delays-v1", str(path), "--json"])
    report = json.loads(result.stdout)
    assert report["status"] == "graded", report["error"]
    assert report["public_scores"]["roc_auc"] > 0.55


def section_data(report: dict, name: str) -> dict:
    """The data of a report's section by name (a stored report is JSON)."""
    return next(s["data"] for s in report["sections"] if s["name"] == name)
