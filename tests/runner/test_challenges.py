"""Code submissions work on every built-in table challenge: sandboxed, predicted, graded."""

from __future__ import annotations

import pytest

from tiltyard.kinds.table import grader_for
from tiltyard.kinds.table.code import budget_for, predict_with_code
from tiltyard.runner.limits import SandboxLimits

from .conftest import needs_bubblewrap

# Cheap on purpose (numeric columns only): the test is about the plumbing on every challenge.
PIPELINE = """
import numpy as np
from sklearn.compose import TransformedTargetRegressor, make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

def build_model():
    features = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         make_column_selector(dtype_include="number")))
    model = {model}
    return make_pipeline(features, model)
"""
MODELS = {"regression": "TransformedTargetRegressor(Ridge(), func=np.log1p, inverse_func=np.expm1)",
          "binary": "LogisticRegression(max_iter=100)", "multiclass": "LogisticRegression(max_iter=100)"}


@needs_bubblewrap
@pytest.mark.slow
def test_a_code_submission_is_graded_on_every_table_challenge(catalog, home, tmp_path):
    import tiltyard

    tables = [challenge_id for challenge_id, bundle in catalog.items() if bundle.manifest.kind == "table"]
    assert tables
    for challenge_id in tables:
        challenge = tiltyard.load(challenge_id)
        code = tmp_path / f"{challenge_id}.py"
        code.write_text(PIPELINE.replace("{model}", MODELS[challenge.task.type]))
        budget = budget_for(challenge)
        assert isinstance(budget, SandboxLimits) and budget.memory_mb == challenge.manifest.budget.memory_mb
        run = predict_with_code(challenge, code)
        assert run.result.ok, f"{challenge_id}: {run.result.message}\n{run.result.stderr_tail}"
        assert list(run.submission.columns)[0] == challenge.task.id_column
        assert len(run.submission) == len(challenge.test_features)
        path = tmp_path / f"{challenge_id}.csv"
        run.submission.to_csv(path, index=False)
        grade = grader_for(challenge.bundle).grade_file(path, max_bytes=1 << 30)
        assert challenge.metric.name in grade.public_scores, challenge_id
