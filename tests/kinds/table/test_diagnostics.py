"""Report charts: the numbers a learner sees agree with scikit-learn, and come from the public
rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest, MetricSpec, Provenance, Split, Task
from tiltyard.kinds.table.diagnostics import chart_data
from tiltyard.kinds.table.grader import Grader
from tiltyard.metrics import get_metric

BINARY = Task(type="binary", target="label", id_column="row_id", classes=["no", "yes"],
              positive_label="yes")
MULTICLASS = Task(type="multiclass", target="label", id_column="row_id", classes=["a", "b", "c"])
REGRESSION = Task(type="regression", target="label", id_column="row_id")


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_label_metrics_get_the_confusion_matrix_sklearn_computes(rng):
    y_true, y_pred = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    charts = chart_data(MULTICLASS, get_metric("accuracy"), y_true, y_pred)
    assert charts["confusion"]["labels"] == ["a", "b", "c"]
    assert charts["confusion"]["counts"] == confusion_matrix(y_true, y_pred).tolist()


def test_binary_confusion_puts_the_negative_class_first(rng):
    y_true, y_pred = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    confusion = chart_data(BINARY, get_metric("accuracy"), y_true, y_pred)["confusion"]
    assert confusion["labels"] == ["no", "yes"]
    assert confusion["counts"] == confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist()


def test_probabilities_get_reliability_bins_as_calibration_curve(rng):
    y_true = rng.integers(0, 2, 2000)
    probability = np.clip(0.3 * y_true + 0.7 * rng.random(2000), 0, 1)
    probability[:5] = [0.0, 0.1, 0.2, 0.5, 1.0]  # values on the bin edges
    charts = chart_data(BINARY, get_metric("roc_auc"), y_true, probability)
    observed, predicted = calibration_curve(y_true, probability, n_bins=10, strategy="uniform")
    np.testing.assert_allclose(charts["reliability"]["fraction_positive"], observed)
    np.testing.assert_allclose(charts["reliability"]["mean_predicted"], predicted)
    assert sum(charts["reliability"]["count"]) == 2000


def test_score_distribution_counts_every_row_under_its_true_class(rng):
    y_true = rng.integers(0, 2, 1000)
    probability = rng.random(1000)
    distribution = chart_data(BINARY, get_metric("log_loss"), y_true, probability)["distribution"]
    assert distribution["of"] == "P(yes)"
    assert sum(distribution["counts"]["yes"]) == int((y_true == 1).sum())
    assert sum(distribution["counts"]["no"]) == int((y_true == 0).sum())


def test_multiclass_probabilities_get_top_class_reliability_and_confusion(rng):
    y_true = rng.integers(0, 3, 600)
    matrix = rng.dirichlet([1, 1, 1], 600)
    charts = chart_data(MULTICLASS, get_metric("log_loss"), y_true, matrix)
    correct = (matrix.argmax(axis=1) == y_true).astype(int)
    observed, _ = calibration_curve(correct, matrix.max(axis=1), n_bins=10)
    np.testing.assert_allclose(charts["reliability"]["fraction_positive"], observed)
    assert charts["confusion"]["counts"] == confusion_matrix(y_true, matrix.argmax(axis=1)).tolist()


def test_regression_gets_residuals_by_decile_of_the_prediction(rng):
    y_pred = rng.normal(100, 20, 1000)
    y_true = y_pred + rng.normal(5, 1, 1000) + (y_pred > 120) * 30  # underpredicts the top
    deciles = chart_data(REGRESSION, get_metric("rmse"), y_true, y_pred)["residuals"]["deciles"]
    assert [d["count"] for d in deciles] == [100] * 10
    assert deciles[0]["predicted_to"] <= deciles[1]["predicted_from"]
    assert deciles[-1]["median"] > deciles[0]["median"] + 20
    lowest = np.argsort(y_pred)[:100]
    assert deciles[0]["median"] == pytest.approx(np.median(y_true[lowest] - y_pred[lowest]))


def _bundle(root, rows=400) -> tuple[Bundle, pd.DataFrame]:
    rng = np.random.default_rng(0)
    answers = pd.DataFrame({"row_id": np.arange(rows), "label": rng.choice(["no", "yes"], rows),
                            "split": np.where(np.arange(rows) % 2 == 0, "public", "private")})
    (root / "sealed").mkdir(parents=True)
    answers.to_csv(root / "sealed" / "answers.csv", index=False)
    manifest = Manifest(
        id="charts-v1", title="Charts", kind="table", summary="charts", difficulty="beginner",
        builder="tests", provenance=Provenance(source="synthetic", licence="CC0"),
        metric=MetricSpec(primary="accuracy"), task=BINARY,
        split=Split(method="random", description="alternate rows", public_fraction=0.5, seed=0,
                    train_rows=0, test_rows=rows, public_rows=rows // 2, private_rows=rows // 2))
    return Bundle(root, manifest), answers


def test_the_report_charts_tell_nothing_about_the_private_rows(tmp_path):
    bundle, answers = _bundle(tmp_path / "bundle")
    grader = Grader(bundle)
    public = answers["split"] == "public"
    first, second = answers[["row_id", "label"]].copy(), answers[["row_id", "label"]].copy()
    second.loc[~public, "label"] = np.where(second.loc[~public, "label"] == "yes", "no", "yes")
    charts = []
    for frame, name in ((first, "a.csv"), (second, "b.csv")):
        frame.to_csv(tmp_path / name, index=False)
        charts.append(grader.grade_file(tmp_path / name, max_bytes=1 << 30).sections[0].data)
    assert charts[0] == charts[1]  # private predictions flipped; the charts did not move
    counts = np.array(charts[0]["confusion"]["counts"])
    assert counts.sum() == int(public.sum()) and np.trace(counts) == counts.sum()
