"""`tiltyard coach`, `tiltyard lessons`, and the coach's word after a predictions submission."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tiltyard.cli import app

UNSCALED_KNN = '''
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

def build_model():
    numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
    return make_pipeline(make_column_transformer((SimpleImputer(), numeric)), KNeighborsClassifier())
'''


def test_coach_finds_unscaled_features_and_opens_the_lesson(home, tmp_path):
    path = tmp_path / "knn.py"
    path.write_text(UNSCALED_KNN)
    result = CliRunner().invoke(app, ["coach", "credit-risk-v1", str(path)])
    assert result.exit_code == 1, result.output  # a serious finding
    assert "unscaled-features" in result.stdout and "tiltyard lessons feature-scaling" in result.stdout
    met = CliRunner().invoke(app, ["lessons"]).stdout
    assert "feature-scaling" in met
    lesson = CliRunner().invoke(app, ["lessons", "feature-scaling"]).stdout
    assert "StandardScaler" in lesson


def test_coach_needs_exactly_one_subject(home):
    result = CliRunner().invoke(app, ["coach", "titanic-v1"])
    assert result.exit_code == 2 and "a solution file, or --predictions FILE" in result.output


def test_hard_labels_for_a_probability_metric_are_flagged_after_submit(home, tmp_path):
    import tiltyard

    ch = tiltyard.load("caravan-insurance-v1")
    frame = ch.sample_submission.copy()
    frame["Purchase"] = (ch.X_test["PPERSAUT"] > 5).astype(int).to_numpy()  # 0/1, not probabilities
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["submit", "caravan-insurance-v1", str(path)])
    assert result.exit_code == 0, result.output
    assert "hard-labels" in result.stdout
    score, finding = result.stdout.index("Public Average precision"), result.stdout.index("hard-labels")
    assert score < finding, "the score comes first, the coach's findings under it"
    quiet = CliRunner().invoke(app, ["submit", "caravan-insurance-v1", str(path), "--no-coach", "--json"])
    assert json.loads(quiet.stdout)["status"] == "graded"


def test_the_coach_after_submit_fits_on_one_thread(home, tmp_path, monkeypatch):
    """Its adversarial classifier used to take every OpenMP thread: minutes on a busy machine."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_info

    import tiltyard
    from tiltyard.coach.checks import shift

    threads_seen = []

    class Spy(HistGradientBoostingClassifier):
        def fit(self, X, y, **kwargs):
            threads_seen.extend(pool["num_threads"] for pool in threadpool_info())
            return super().fit(X, y, **kwargs)

    monkeypatch.setattr(shift, "HistGradientBoostingClassifier", Spy)
    ch = tiltyard.load("titanic-v1")
    path = tmp_path / "submission.csv"
    ch.sample_submission.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["submit", "titanic-v1", str(path)])
    assert result.exit_code == 0, result.output
    assert threads_seen and max(threads_seen) == 1, f"threads per pool during the coach's fits: {threads_seen}"
