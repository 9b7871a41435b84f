"""What a learner sees when their code runs: predictions, usage, and a classed outcome with advice."""

from __future__ import annotations

import numpy as np
import pytest

from tiltyard.kinds.table.code import run_code_submission
from tiltyard.runner import sandbox
from tiltyard.runner.errors import SandboxUnavailable
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import Outcome, SandboxMode

from .conftest import needs_bubblewrap

# A stand-in estimator for tests about the run rather than the model: importing scikit-learn
# alone costs most of a second per run.
TINY = """
import numpy as np
class Tiny:
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self
    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))
"""
LOGISTIC = """
from sklearn.linear_model import LogisticRegression
def build_model():
    return LogisticRegression()
"""


@needs_bubblewrap
def test_binary_probabilities_labels_and_an_explicit_positive_class(submit, table):
    result = submit(LOGISTIC)
    assert result.ok, result.message
    assert result.classes == ["no", "yes"]
    assert result.predictions.shape == (len(table[2]),)
    assert ((result.predictions > 0.5) == (table[2]["a"] > 0)).mean() > 0.8
    assert result.wall_s > 0 and result.cpu_s > 0 and result.peak_memory_mb > 50
    assert result.sandbox is SandboxMode.BUBBLEWRAP
    assert result.model_dump()["budget"]["memory_mb"] == 600
    assert "predictions" not in result.model_dump()
    negative = submit(LOGISTIC, positive_label="no")
    assert np.allclose(negative.predictions, 1 - result.predictions)
    labels = submit(LOGISTIC, needs_proba=False)
    assert labels.ok and list(labels.predictions) == ["no" if p < 0.5 else "yes" for p in result.predictions]


@needs_bubblewrap
def test_regression_and_multiclass(table, tmp_path):
    train, _, test = table
    ridge = tmp_path / "ridge.py"
    ridge.write_text("from sklearn.linear_model import Ridge\ndef build_model():\n    return Ridge(alpha=1e-6)\n")
    regression = run_code_submission(ridge, train, train["a"] * 2, test, task_type="regression",
                                             needs_proba=False, budget=SandboxLimits(wall_seconds=30))
    assert regression.ok and np.allclose(regression.predictions, test["a"] * 2, atol=1e-4)
    logistic = tmp_path / "logistic.py"
    logistic.write_text(LOGISTIC)
    three_classes = run_code_submission(logistic, train, np.digitize(train["a"], [-0.5, 0.5]), test,
                                                task_type="multiclass", needs_proba=True,
                                                budget=SandboxLimits(wall_seconds=30))
    assert three_classes.ok and three_classes.predictions.shape == (len(test), 3)
    assert three_classes.classes == [0, 1, 2]


@needs_bubblewrap
def test_an_exception_inside_a_library_says_so(submit):
    result = submit("from sklearn.linear_model import Ridge\ndef build_model():\n    return Ridge()\n",
                    task_type="regression", needs_proba=False)  # the target holds "yes"/"no"
    assert result.outcome is Outcome.EXCEPTION
    assert "ValueError while fitting your model" in result.message and "inside a library" in result.message


@needs_bubblewrap
def test_an_exception_shows_only_the_learners_own_lines(submit):
    result = submit(TINY + """

def make_features(frame):
    return frame["no such column"]

class Model(Tiny):
    def fit(self, X, y):
        make_features(X)

def build_model():
    return Model()
""")
    assert result.outcome is Outcome.EXCEPTION
    assert "KeyError" in result.message and "while fitting your model" in result.message
    tail = result.traceback_tail
    assert "solution.py" in tail and "make_features" in tail and "in fit" in tail
    assert "harness" not in tail and "pandas" not in tail


@needs_bubblewrap
def test_a_missing_build_model_says_what_to_define(submit):
    result = submit("model = None\n")
    assert result.outcome is Outcome.EXCEPTION
    assert "def build_model():" in result.message


@needs_bubblewrap
@pytest.mark.parametrize(("source", "outcome", "words"), [
    ("import sys\ndef build_model():\n    sys.exit(0)\n", Outcome.NO_OUTPUT, "no predictions"),
    ("import os\ndef build_model():\n    os._exit(0)\n", Outcome.NO_OUTPUT, "exit code 0"),
    (TINY + """
class Silent(Tiny):
    def predict_proba(self, X):
        return None
def build_model():
    return Silent()
""", Outcome.NO_OUTPUT, "returned None"),
    (TINY + """
class Short(Tiny):
    def predict_proba(self, X):
        return super().predict_proba(X)[:3]
def build_model():
    return Short()
""", Outcome.INVALID_OUTPUT, "expected shape (40, 2), got (3, 2)"),
    (TINY + """
class Broken(Tiny):
    def predict_proba(self, X):
        return np.full((len(X), 2), np.nan)
def build_model():
    return Broken()
""", Outcome.INVALID_OUTPUT, "NaN"),
    (TINY + """
class Forger(Tiny):
    def predict_proba(self, X):
        import os
        for fd in range(3, 1024):
            try:
                os.write(fd, b"garbage\\n")
            except OSError:
                pass
        return super().predict_proba(X)
def build_model():
    return Forger()
""", Outcome.INVALID_OUTPUT, "result channel"),
])
def test_runs_that_produce_nothing_usable(submit, source, outcome, words):
    result = submit(source)
    assert result.outcome is outcome
    assert words in result.message


@needs_bubblewrap
def test_scratch_is_writable_and_private(submit):
    result = submit(TINY + """
import os, tempfile
def build_model():
    with open("cache.bin", "wb") as handle:
        handle.write(b"x" * 1_000_000)
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(b"y")
    print("cwd", os.getcwd(), "files", sorted(os.listdir(".")))
    return Tiny()
""")
    assert result.ok, result.message
    assert "cwd /scratch" in result.stdout_tail and "cache.bin" in result.stdout_tail


@needs_bubblewrap
def test_the_thread_budget_reaches_the_libraries(submit):
    result = submit(TINY + """
import os
def build_model():
    print({name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    return Tiny()
""", budget=SandboxLimits(wall_seconds=30, threads=3))
    assert "'OMP_NUM_THREADS': '3', 'OPENBLAS_NUM_THREADS': '3', 'MKL_NUM_THREADS': '3'" in result.stdout_tail


def test_without_bubblewrap_code_is_refused_unless_weak_mode_is_allowed(submit, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox.bubblewrap_problem.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable) as refused:
            submit(LOGISTIC)
        assert "apt-get install bubblewrap" in str(refused.value)
        assert "allow_weak_sandbox=True" in str(refused.value)
        weak = submit(LOGISTIC, allow_weak_sandbox=True)
        assert weak.ok and weak.sandbox is SandboxMode.RLIMITS_ONLY
        slow = submit("import time\ndef build_model():\n    time.sleep(60)\n", allow_weak_sandbox=True,
                      budget=SandboxLimits(wall_seconds=2))
        assert slow.outcome is Outcome.TIMEOUT
    finally:
        monkeypatch.undo()
        sandbox.bubblewrap_problem.cache_clear()


def test_budgets_refuse_unknown_or_impossible_limits():
    with pytest.raises(ValueError, match="memory_gb"):
        SandboxLimits(memory_gb=2)
    with pytest.raises(ValueError, match="greater than 0"):
        SandboxLimits(wall_seconds=0)
    assert "2048 MB memory" in SandboxLimits().describe()
