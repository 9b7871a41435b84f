"""What a job of each kind does. Runs in an executor's process (a local pool process or a Ray
worker), so a handler is found by name there: a built-in kind, or ``package.module:function``.

A handler takes the job's JSON payload and returns a JSON-ready result. A learner's code going
wrong (timeout, exception...) is a result, not an error: errors are for jobs that could not run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from tiltyard.errors import TiltyardError
from tiltyard.runner.budget import Budget
from tiltyard.runner.errors import SandboxFailure, SandboxUnavailable

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownJobKind(TiltyardError):
    code = "unknown_job_kind"


def run_code(payload: dict[str, Any]) -> dict[str, Any]:
    """Run a code submission on given files. Payload: code_path, train (a Parquet or CSV file
    holding the target column too), target, test, task_type, needs_proba, and optionally budget
    (a Budget as a dict) and allow_weak_sandbox."""
    from tiltyard.runner.sandbox import run_code_submission

    train = _read_table(payload["train"])
    target = train.pop(payload["target"])
    result = run_code_submission(
        payload["code_path"], train, target, _read_table(payload["test"]), task_type=payload["task_type"],
        needs_proba=payload["needs_proba"], budget=Budget(**payload.get("budget", {})),
        allow_weak_sandbox=payload.get("allow_weak_sandbox", False))
    predictions = None if result.predictions is None else result.predictions.tolist()
    return {"run": result.model_dump(mode="json"), "predictions": predictions}


def grade_submission(payload: dict[str, Any]) -> dict[str, Any]:
    """Grade a stored submission (predictions, code or lab designs). Payload: submission_id.
    Idempotent, like the grading it calls: a retried job returns the first result."""
    from tiltyard.submissions import grade_received

    report = grade_received(int(payload["submission_id"]))
    return {"submission_id": report.submission_id, "status": report.status,
            "public_scores": report.public_scores, "error": report.error and report.error.code}


def echo(payload: dict[str, Any]) -> dict[str, Any]:
    """Returns its payload; for checking that workers and executors are wired up."""
    return dict(payload)


BUILT_IN: dict[str, Handler] = {"run_code": run_code, "grade_submission": grade_submission,
                                "echo": echo}
# Errors that say the machine, not the job, is at fault: the job is tried again elsewhere.
RETRYABLE_ERRORS = (SandboxFailure, SandboxUnavailable, OSError, MemoryError)


def resolve(kind: str) -> Handler:
    if kind in BUILT_IN:
        return BUILT_IN[kind]
    module_name, _, function_name = kind.partition(":")
    problem = "no ':function' part"
    handler = None
    if function_name:
        try:
            handler = getattr(importlib.import_module(module_name), function_name)
        except (ImportError, AttributeError) as error:
            problem = f"{type(error).__name__}: {error}"
    if not callable(handler):
        raise UnknownJobKind("No handler for this job kind", expected=f"one of {sorted(BUILT_IN)} or "
                             "'package.module:function'", got=f"{kind!r} ({problem})",
                             hint="check the kind passed to enqueue, and that the module is installed "
                                  "where the worker runs")
    return handler


def execute_job(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Entry point in the executor's process."""
    return resolve(kind)(payload)


def _read_table(path: str) -> pd.DataFrame:
    return pd.read_parquet(path) if str(path).endswith(".parquet") else pd.read_csv(path)
