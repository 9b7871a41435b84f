"""The automl rung: a count budget that says what stopped the search, a record that replays,
and a search that trains nothing is recorded as a failed rung, not a crashed build."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from tiltyard.catalog.grid import BUILDERS
from tiltyard.check import check_challenge
from tiltyard.evaluate import evaluate
from tiltyard.kinds.table import automl, baselines
from tiltyard.kinds.table.automl import AutoMLFailed, AutoMLModel, SearchBudget, build_model


@pytest.fixture(scope="module")
def swiss():
    from tiltyard.catalog.sources import rdataset

    frame = rdataset("AER", "SwissLabor").drop(columns=["rownames"])
    return frame.drop(columns=["participation"]), frame["participation"]


def test_a_count_budget_runs_its_trials_and_says_so(swiss):
    X, y = swiss
    model = build_model(task_type="binary", metric="roc_auc", max_iter=6, folds=1).fit(X[:600], y[:600])
    record = model.record_
    assert record["trials"] == 6 and record["stopped_by"] == "max_iter"
    assert record["estimator"] in automl.ESTIMATORS and record["config"]
    assert list(model.classes_) == ["no", "yes"]
    auc = roc_auc_score(y[600:] == "yes", model.predict_proba(X[600:])[:, 1])
    assert auc > 0.6  # text columns were used as categories, numbers as they are
    assert automl.trials_label(6) == f"FLAML {automl.flaml_version()} (6 trials, 1 thread)"


def test_a_replayed_record_predicts_what_the_search_chose(swiss):
    X, y = swiss
    searched = build_model(task_type="binary", max_iter=4, folds=1).fit(X[:600], y[:600])
    replayed = AutoMLModel(task_type="binary", replay=searched.record_).fit(X[:600], y[:600])
    assert replayed.record_["stopped_by"] == "replay"
    assert replayed.record_["config"] == searched.record_["config"]
    np.testing.assert_allclose(replayed.predict_proba(X[600:]), searched.predict_proba(X[600:]), atol=1e-6)


def test_the_wall_cap_running_out_before_one_trial_is_a_clear_failure(swiss):
    X, y = swiss
    with pytest.raises(AutoMLFailed, match="wall cap of 0.0001 s ran out before one trial"):
        build_model(max_iter=10, time_budget=1e-4).fit(X, y)


def test_the_factory_reads_the_task_and_takes_unseen_categories_as_missing():
    train = pd.DataFrame({"colour": ["red", "blue"] * 40, "size": np.arange(80.0)})
    model = build_model(max_iter=2, folds=1).fit(train, train["size"])  # a regression, read from y
    predictions = model.predict(pd.DataFrame({"colour": ["green", "red"], "size": [1.0, 2.0]}))
    assert predictions.shape == (2,) and np.isfinite(predictions).all()


@pytest.mark.parametrize("failure", ["wall cap", "exception"])
def test_a_failed_search_is_recorded_and_the_build_goes_on(home, tmp_path, monkeypatch, failure):
    classic = baselines._classic_rungs  # only constant and logistic before automl: seconds, not minutes
    monkeypatch.setattr(baselines, "_classic_rungs", lambda *args: classic(*args)[:2])
    if failure == "wall cap":
        monkeypatch.setattr(baselines, "search_budget", lambda rows: SearchBudget(5, 1e-4, 1, 1))
    else:
        def broken(self, X, y):
            raise MemoryError("no room for one more tree")
        monkeypatch.setattr(AutoMLModel, "fit", broken)
    bundle = BUILDERS.swiss_labor.build(tmp_path)
    manifest = bundle.manifest
    assert [b.name for b in manifest.baselines] == ["constant", "logistic"]
    [failed] = manifest.failed_baselines
    expected = "ran out before one trial" if failure == "wall cap" else "MemoryError: no room"
    assert failed.name == "automl" and expected in failed.reason
    brief = (bundle.root / "brief.md").read_text()
    assert "| automl | failed |" in brief and expected in brief
    result = check_challenge(bundle.root, refit=True)
    assert result.ok, result.failures  # the refit skips the rung that has no model
    assert [c.name for c in result.checks if c.name.endswith("reproducible")] == [
        "baseline constant reproducible", "baseline logistic reproducible"]
    assert evaluate(bundle.root, bundle.root / "public" / "sample_submission.csv").public_scores
