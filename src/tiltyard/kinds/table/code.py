"""A table challenge's code submission: run ``build_model()`` in the sandbox on the challenge's
data, check what it predicts, and turn it into the predictions-file format the grader reads."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.core import EvaluationFailed, ReportSection
from tiltyard.errors import TiltyardError
from tiltyard.kinds.table.handle import Challenge
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import Outcome, RunResult
from tiltyard.runner.sandbox import run_in_sandbox
from tiltyard.runner.seam import Verdict

TASK_TYPES = ("binary", "multiclass", "regression")
PROBABILITY_TOLERANCE = 1e-6
ENTRY_SCRIPT = Path(__file__).with_name("entry.py")


def run_section(result: RunResult) -> ReportSection:
    return ReportSection(kind="table", name="run", title="The run", data=result.model_dump(mode="json"))


class CodeRunFailed(EvaluationFailed):
    """The learner's code did not produce predictions; ``code`` is the outcome class."""

    def __init__(self, result: RunResult):
        super().__init__(result.message, code=result.outcome.value, sections=[run_section(result)],
                         got=result.traceback_tail or (result.stderr_tail[-600:] or None))


@dataclass
class TableHarness:
    """Fit on (train, target), predict test: what the sandbox needs to run ``build_model()``."""

    train: pd.DataFrame
    target: pd.Series
    test: pd.DataFrame
    task_type: str
    needs_proba: bool
    positive_label: object = None
    data_files: tuple[Path, ...] = ()
    entry_script: Path = ENTRY_SCRIPT
    entry_point: str = "build_model()"
    output_noun: str = "predictions"
    reproduce: str = "build_model().fit(X, y) on the public training data"
    stage_words: dict[str, str] = field(default_factory=lambda: {
        "build_model": "in build_model()", "fit": "while fitting your model on the training data",
        "predict": "while predicting the test set"})

    def __post_init__(self):
        if self.task_type not in TASK_TYPES:
            raise TiltyardError("Unknown task type", expected=" or ".join(TASK_TYPES), got=repr(self.task_type))

    def stage_inputs(self, folder: Path) -> dict[str, str]:
        _as_parquet(self.train).to_parquet(folder / "train.parquet")
        _as_parquet(pd.DataFrame({"target": pd.Series(self.target).to_numpy()})).to_parquet(folder / "target.parquet")
        _as_parquet(self.test).to_parquet(folder / "test.parquet")
        return {"train": "train.parquet", "target": "target.parquet", "test": "test.parquet"}

    def settings(self) -> dict:
        return {"needs_proba": self.needs_proba}

    def check_output(self, header: dict, payload: bytes) -> Verdict:
        return _check_predictions(header, payload, task_type=self.task_type, needs_proba=self.needs_proba,
                                  n_rows=len(self.test), positive_label=self.positive_label)


def _as_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    # Parquet needs string column names; the row index is not part of the contract.
    frame = frame.reset_index(drop=True)
    frame.columns = [str(column) for column in frame.columns]
    return frame


def run_code_submission(code_path: str | Path, train: pd.DataFrame, target: pd.Series, test: pd.DataFrame,
                        *, task_type: str, needs_proba: bool, budget: SandboxLimits | None = None,
                        allow_weak_sandbox: bool = False, positive_label: object = None,
                        hidden_paths: tuple[Path, ...] | None = None,
                        data_files: tuple[Path, ...] = ()) -> RunResult:
    """Fit ``build_model()`` from ``code_path`` on (train, target), predict test, inside the sandbox.

    ``data_files`` (a challenge's public side tables) are readable at ``data/NAME`` from the
    code's working folder, as in a workspace made by `tiltyard start`.

    ``predictions`` of an ``ok`` result: labels or values (1-D), the positive class's probability
    for binary tasks (``positive_label``, by default the last of ``classes``), or one column per
    class for multiclass probabilities."""
    harness = TableHarness(train, target, test, task_type, needs_proba, positive_label, tuple(data_files))
    return run_in_sandbox(harness, code_path, budget=budget, allow_weak_sandbox=allow_weak_sandbox,
                          hidden_paths=hidden_paths)


@dataclass
class CodeRun:
    result: RunResult
    # The predictions in the same shape as a predictions file (id column first); None unless ok.
    submission: pd.DataFrame | None


def budget_for(challenge: Challenge) -> SandboxLimits:
    """The sandbox budget a challenge's manifest sets (wall, CPU, memory, threads)."""
    limits = challenge.manifest.budget
    return SandboxLimits(wall_seconds=limits.wall_seconds, cpu_seconds=limits.cpu_seconds,
                         memory_mb=limits.memory_mb, threads=limits.threads)


def predict_with_code(challenge: Challenge, code_path: str | Path, *, budget: SandboxLimits | None = None,
                      allow_weak_sandbox: bool = False) -> CodeRun:
    task = challenge.task
    result = run_code_submission(
        code_path, challenge.X_train, challenge.y_train, challenge.X_test, task_type=task.type,
        needs_proba=challenge.metric.needs_proba, budget=budget or budget_for(challenge),
        allow_weak_sandbox=allow_weak_sandbox, positive_label=task.positive_label,
        data_files=tuple(challenge.bundle.root / table.file for table in challenge.manifest.tables))
    if not result.ok:
        return CodeRun(result, None)
    return CodeRun(result, challenge.as_submission(in_manifest_order(result, task.classes)))


def in_manifest_order(result: RunResult, classes: list[str] | None) -> np.ndarray:
    """An ok run's predictions, multiclass probability columns put in the manifest's class order."""
    predictions = result.predictions
    if predictions.ndim == 2:
        # Columns come in the model's classes_ order; the file format wants the manifest's order.
        learned = [str(label) for label in result.classes]
        missing = [label for label in classes if label not in learned]
        frame = pd.DataFrame(predictions, columns=learned)
        for label in missing:
            frame[label] = 0.0  # a class never seen in training gets no probability
        predictions = frame[classes].to_numpy()
    return predictions


def _check_predictions(header: dict, payload: bytes, *, task_type: str, needs_proba: bool, n_rows: int,
                       positive_label: object) -> Verdict:
    method = header.get("method", "predict")
    try:
        predictions = np.load(io.BytesIO(payload), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        return invalid(f"what {method}() returned could not be read back as an array of numbers or labels "
                        f"({error}); return a NumPy array, a pandas Series or DataFrame")
    classes = header.get("classes")
    if needs_proba:
        return _check_probabilities(predictions, classes, task_type=task_type, n_rows=n_rows,
                                    positive_label=positive_label)
    if predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions.ravel()
    if predictions.ndim != 1 or len(predictions) != n_rows:
        return invalid(f"predict() must return one value per test row: expected shape ({n_rows},), "
                        f"got {predictions.shape}")
    if task_type == "regression" and predictions.dtype.kind not in "fiub":
        return invalid(f"predict() must return numbers for a regression task, got values of type "
                        f"{predictions.dtype}")
    if predictions.dtype.kind == "f" and not np.isfinite(predictions).all():
        bad = int(np.flatnonzero(~np.isfinite(predictions))[0])
        return invalid(f"predict() returned NaN or infinity (first at test row {bad}); impute missing "
                        "values in your pipeline or clip extreme predictions")
    return Verdict(Outcome.OK, "Your code ran within its budget and predicted every test row.",
                    predictions=predictions, classes=classes)


def _check_probabilities(predictions: np.ndarray, classes: list | None, *, task_type: str, n_rows: int,
                         positive_label: object) -> Verdict:
    if classes is None:
        return invalid("this challenge is scored on probabilities, and the fitted estimator has no classes_ "
                        "attribute to say which column is which class; use a scikit-learn classifier")
    if predictions.ndim != 2 or predictions.shape != (n_rows, len(classes)):
        return invalid(f"predict_proba() must return one row per test row and one column per class: "
                        f"expected shape ({n_rows}, {len(classes)}), got {predictions.shape}")
    if predictions.dtype.kind not in "fiub":
        return invalid(f"predict_proba() must return numbers, got values of type {predictions.dtype}")
    if not np.isfinite(predictions).all():
        return invalid("predict_proba() returned NaN or infinity; impute missing values in your pipeline")
    if predictions.min() < -PROBABILITY_TOLERANCE or predictions.max() > 1 + PROBABILITY_TOLERANCE:
        return invalid(f"predict_proba() must return probabilities between 0 and 1, got values from "
                        f"{predictions.min():.4g} to {predictions.max():.4g}")
    if task_type == "binary":
        if len(classes) != 2:
            return invalid(f"this is a binary task, and the model learned {len(classes)} classes: {classes}")
        # Labels are compared as text: a CSV may give the model 0/1 where the manifest says "1".
        labels = [str(label) for label in classes]
        positive = labels[-1] if positive_label is None else str(positive_label)
        if positive not in labels:
            return invalid(f"the positive class {positive!r} is not among the model's classes {classes}")
        predictions = predictions[:, labels.index(positive)]
    return Verdict(Outcome.OK, "Your code ran within its budget and predicted every test row.",
                    predictions=predictions, classes=classes)


def invalid(detail: str) -> Verdict:
    return Verdict(Outcome.INVALID_OUTPUT, f"Your predictions were not usable: {detail}.")




def run_code_job(payload: dict) -> dict:
    """The ``run_code`` job: a code submission on given files. Payload: code_path, train (a
    Parquet or CSV file holding the target column too), target, test, task_type, needs_proba,
    and optionally budget (a SandboxLimits as a dict) and allow_weak_sandbox."""
    train = _read_table(payload["train"])
    target = train.pop(payload["target"])
    result = run_code_submission(
        payload["code_path"], train, target, _read_table(payload["test"]), task_type=payload["task_type"],
        needs_proba=payload["needs_proba"], budget=SandboxLimits(**payload.get("budget", {})),
        allow_weak_sandbox=payload.get("allow_weak_sandbox", False))
    predictions = None if result.predictions is None else result.predictions.tolist()
    return {"run": result.model_dump(mode="json"), "predictions": predictions}


def _read_table(path: str) -> pd.DataFrame:
    return pd.read_parquet(path) if str(path).endswith(".parquet") else pd.read_csv(path)
