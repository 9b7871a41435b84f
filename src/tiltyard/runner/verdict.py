"""Turn what a sandboxed run left behind into an outcome class, its evidence and advice.

Nothing the submission sent back is trusted: the harness's report only names what happened inside
the process, and the predictions are read without unpickling and checked here.
"""

from __future__ import annotations

import io
import json
import signal

import numpy as np

from tiltyard.runner import harness
from tiltyard.runner.budget import Budget
from tiltyard.runner.errors import SandboxFailure
from tiltyard.runner.outcomes import Outcome, RunResult, SandboxMode
from tiltyard.runner.process import FinishedProcess

# A process that died of a crash signal while this close to its memory budget ran out of memory.
MEMORY_NEAR_LIMIT = 0.8
PROBABILITY_TOLERANCE = 1e-6
STAGE_WORDS = {"import": "while your file was being imported", "build_model": "in build_model()",
               "fit": "while fitting your model on the training data", "predict": "while predicting the test set"}
CRASH_SIGNALS = {signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS}


class _Verdict:
    def __init__(self, outcome: Outcome, message: str, *, traceback_tail: str | None = None,
                 predictions: np.ndarray | None = None, classes: list | None = None):
        self.outcome, self.message, self.traceback_tail = outcome, message, traceback_tail
        self.predictions, self.classes = predictions, classes


def judge(finished: FinishedProcess, *, task_type: str, needs_proba: bool, n_rows: int, budget: Budget,
          mode: SandboxMode, positive_label: object = None) -> RunResult:
    verdict = _classify(finished, task_type=task_type, needs_proba=needs_proba, n_rows=n_rows,
                        budget=budget, positive_label=positive_label)
    return RunResult(
        outcome=verdict.outcome, message=verdict.message, traceback_tail=verdict.traceback_tail,
        wall_s=round(finished.wall_s, 3), cpu_s=round(finished.cpu_s, 3),
        peak_memory_mb=round(finished.peak_memory_mb, 1), budget=budget, sandbox=mode,
        stdout_tail=finished.stdout.text(), stderr_tail=finished.stderr.text(),
        stdout_bytes=finished.stdout.total, stderr_bytes=finished.stderr.total,
        classes=verdict.classes, predictions=verdict.predictions)


def _classify(finished: FinishedProcess, *, task_type: str, needs_proba: bool, n_rows: int, budget: Budget,
              positive_label: object) -> _Verdict:
    if finished.killed_for == "wall_time":
        return _Verdict(Outcome.TIMEOUT, _wall_timeout_message(finished, budget))
    if finished.killed_for == "result_too_large":
        return _Verdict(Outcome.INVALID_OUTPUT,
                        f"Your code sent back more than {budget.memory_mb} MB of predictions, far more than "
                        f"{n_rows} rows need. Return one prediction per test row (one column per class for "
                        "probabilities) and write nothing else to the result channel.")
    body = finished.result[len(harness.STARTED_MARKER):]
    header_line, _, payload = body.partition(b"\n")
    if not header_line:
        return _without_report(finished, budget)
    try:
        header = json.loads(header_line)
        status = header["status"]
        finished.peak_memory_mb = max(finished.peak_memory_mb, float(header.get("peak_memory_mb", 0)))
    except (ValueError, KeyError, TypeError):
        return _Verdict(Outcome.INVALID_OUTPUT, "The run's result could not be read: something other than the "
                        "harness wrote to its result channel. Do not write to inherited file descriptors.")
    stage = STAGE_WORDS.get(header.get("stage"), "during the run")
    if status == "ok":
        return _check_predictions(header, payload, task_type=task_type, needs_proba=needs_proba,
                                  n_rows=n_rows, positive_label=positive_label)
    if status == "cpu_exceeded":
        return _Verdict(Outcome.TIMEOUT, _cpu_timeout_message(budget, stage))
    if status == "memory_exceeded":
        return _Verdict(Outcome.MEMORY_EXCEEDED, _memory_message(budget, stage))
    if status in ("exited_early", "no_predictions"):
        return _Verdict(Outcome.NO_OUTPUT, f"Your code produced no predictions: {header.get('detail')} {stage}. "
                        "Let build_model() return the estimator, and do not call sys.exit() or "
                        "return None from predict.")
    if status == "exception" and header.get("stage") == "setup":
        raise SandboxFailure("The sandbox could not prepare the run before the submission's code started",
                             got=f"{header.get('exception_type')}: {header.get('exception_message')}",
                             hint="check that numpy, pandas and pyarrow import in the worker's environment")
    if status == "exception":
        return _exception_verdict(header, stage, budget)
    return _Verdict(Outcome.INVALID_OUTPUT, f"The run reported an unknown status {status!r}; do not write to "
                    "inherited file descriptors.")


def _without_report(finished: FinishedProcess, budget: Budget) -> _Verdict:
    """The harness never reported: the process was killed by the kernel or ended itself early."""
    killed_by = finished.signal
    if killed_by == signal.SIGXCPU or (killed_by == signal.SIGKILL and finished.cpu_s >= budget.cpu_seconds):
        return _Verdict(Outcome.TIMEOUT, _cpu_timeout_message(budget, "during the run"))
    if killed_by == signal.SIGXFSZ:
        return _Verdict(Outcome.FORBIDDEN, f"Your code wrote a file larger than {budget.scratch_mb} MB, the "
                        "size of the scratch folder, and was stopped. Keep files in scratch small, or keep "
                        "data in memory.")
    if killed_by in CRASH_SIGNALS and finished.peak_memory_mb >= MEMORY_NEAR_LIMIT * budget.memory_mb:
        return _Verdict(Outcome.MEMORY_EXCEEDED, _memory_message(budget, "during the run"))
    if killed_by is not None:
        name = signal.Signals(killed_by).name
        return _Verdict(Outcome.EXCEPTION, f"Your code crashed with signal {name} (usually a bug in a compiled "
                        "extension, or a library killing the process). The end of its stderr is below; "
                        "reproduce it locally with the same library versions.")
    return _Verdict(Outcome.NO_OUTPUT, f"The process ended with exit code {finished.exit_code} before any "
                    "predictions were made (sys.exit, os._exit or a library ending the process). Let "
                    "build_model() return the estimator and leave running it to the grader.")


def _exception_verdict(header: dict, stage: str, budget: Budget) -> _Verdict:
    kind, text = header.get("exception_type"), header.get("exception_message", "")
    violation = header.get("violation")
    if violation == "processes":
        return _Verdict(Outcome.EXCEPTION, f"Your code tried to run more processes or threads at once than its "
                        f"budget of {budget.processes} allows {stage} ({kind}: {text}), and could not start "
                        f"more. Use at most {budget.threads} threads or jobs (n_jobs={budget.threads}) and "
                        "start no processes of your own.", traceback_tail=header.get("learner_traceback"))
    if violation and violation.startswith("network"):
        return _Verdict(Outcome.FORBIDDEN, f"Your code tried to reach the network {stage} ({violation}, "
                        f"{kind}: {text}). Code submissions run offline: load nothing at run time, learn from "
                        "the data passed to fit, and keep any fixed parameters in your file.",
                        traceback_tail=header.get("learner_traceback"))
    if violation:
        return _Verdict(Outcome.FORBIDDEN, f"Your code tried to use a path the sandbox does not allow {stage} "
                        f"({violation}). A code submission sees only the data passed to fit and predict, "
                        "a private writable scratch folder (the working directory, also $TMPDIR) and the "
                        "Python environment, read-only. Read no files and write only to scratch.",
                        traceback_tail=header.get("learner_traceback"))
    if kind == "ContractError":
        return _Verdict(Outcome.EXCEPTION, text)
    where = "" if header.get("learner_traceback") else " (inside a library; none of your lines were on the stack)"
    return _Verdict(Outcome.EXCEPTION, f"Your code raised {kind} {stage}{where}: {text}. Reproduce it locally "
                    "with build_model().fit(X, y) on the public training data, fix it, and submit again.",
                    traceback_tail=header.get("learner_traceback"))


def _check_predictions(header: dict, payload: bytes, *, task_type: str, needs_proba: bool, n_rows: int,
                       positive_label: object) -> _Verdict:
    method = header.get("method", "predict")
    try:
        predictions = np.load(io.BytesIO(payload), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        return _invalid(f"what {method}() returned could not be read back as an array of numbers or labels "
                        f"({error}); return a NumPy array, a pandas Series or DataFrame")
    classes = header.get("classes")
    if needs_proba:
        return _check_probabilities(predictions, classes, task_type=task_type, n_rows=n_rows,
                                    positive_label=positive_label)
    if predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions.ravel()
    if predictions.ndim != 1 or len(predictions) != n_rows:
        return _invalid(f"predict() must return one value per test row: expected shape ({n_rows},), "
                        f"got {predictions.shape}")
    if task_type == "regression" and predictions.dtype.kind not in "fiub":
        return _invalid(f"predict() must return numbers for a regression task, got values of type "
                        f"{predictions.dtype}")
    if predictions.dtype.kind == "f" and not np.isfinite(predictions).all():
        bad = int(np.flatnonzero(~np.isfinite(predictions))[0])
        return _invalid(f"predict() returned NaN or infinity (first at test row {bad}); impute missing "
                        "values in your pipeline or clip extreme predictions")
    return _Verdict(Outcome.OK, "Your code ran within its budget and predicted every test row.",
                    predictions=predictions, classes=classes)


def _check_probabilities(predictions: np.ndarray, classes: list | None, *, task_type: str, n_rows: int,
                         positive_label: object) -> _Verdict:
    if classes is None:
        return _invalid("this challenge is scored on probabilities, and the fitted estimator has no classes_ "
                        "attribute to say which column is which class; use a scikit-learn classifier")
    if predictions.ndim != 2 or predictions.shape != (n_rows, len(classes)):
        return _invalid(f"predict_proba() must return one row per test row and one column per class: "
                        f"expected shape ({n_rows}, {len(classes)}), got {predictions.shape}")
    if predictions.dtype.kind not in "fiub":
        return _invalid(f"predict_proba() must return numbers, got values of type {predictions.dtype}")
    if not np.isfinite(predictions).all():
        return _invalid("predict_proba() returned NaN or infinity; impute missing values in your pipeline")
    if predictions.min() < -PROBABILITY_TOLERANCE or predictions.max() > 1 + PROBABILITY_TOLERANCE:
        return _invalid(f"predict_proba() must return probabilities between 0 and 1, got values from "
                        f"{predictions.min():.4g} to {predictions.max():.4g}")
    if task_type == "binary":
        if len(classes) != 2:
            return _invalid(f"this is a binary task, and the model learned {len(classes)} classes: {classes}")
        # Labels are compared as text: a CSV may give the model 0/1 where the manifest says "1".
        labels = [str(label) for label in classes]
        positive = labels[-1] if positive_label is None else str(positive_label)
        if positive not in labels:
            return _invalid(f"the positive class {positive!r} is not among the model's classes {classes}")
        predictions = predictions[:, labels.index(positive)]
    return _Verdict(Outcome.OK, "Your code ran within its budget and predicted every test row.",
                    predictions=predictions, classes=classes)


def _invalid(detail: str) -> _Verdict:
    return _Verdict(Outcome.INVALID_OUTPUT, f"Your predictions were not usable: {detail}.")


def _wall_timeout_message(finished: FinishedProcess, budget: Budget) -> str:
    printed = finished.stdout.total + finished.stderr.total
    note = f" It printed {printed / 2**20:.0f} MB meanwhile; printing in a loop slows a run." if printed > 2**24 else ""
    return (f"Your code ran longer than the wall-time budget of {budget.wall_seconds:g} s and was stopped "
            f"(CPU time used: {finished.cpu_s:.1f} s).{note} Make fitting cheaper (fewer or smaller models, "
            "fewer features, a subsample), and time build_model().fit(X, y) locally on the training data.")


def _cpu_timeout_message(budget: Budget, stage: str) -> str:
    return (f"Your code used more than its CPU budget of {budget.cpu_seconds:g} s {stage} (all threads "
            f"count) and was stopped. Make fitting cheaper (fewer or smaller models, fewer features, a "
            f"subsample); it may use {budget.threads} threads.")


def _memory_message(budget: Budget, stage: str) -> str:
    return (f"Your code needed more than its memory budget of {budget.memory_mb} MB {stage}. Use smaller "
            "types (float32, categories), avoid copies of the data (no concatenation in loops), and prefer "
            "models whose size does not grow with the data (fewer, shallower trees).")
