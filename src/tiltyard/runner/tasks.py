"""What a job of each kind does. Runs in an executor's process (a local pool process or a Ray
worker), so a handler is found by name there: a built-in kind, or ``package.module:function``.

A handler takes the job's JSON payload and returns a JSON-ready result. A learner's code going
wrong (timeout, exception...) is a result, not an error: errors are for jobs that could not run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tiltyard.errors import TiltyardError
from tiltyard.runner.errors import SandboxFailure, SandboxUnavailable

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownJobKind(TiltyardError):
    code = "unknown_job_kind"


def echo(payload: dict[str, Any]) -> dict[str, Any]:
    """Returns its payload; for checking that workers and executors are wired up."""
    return dict(payload)


# Built-in job kinds, by the handler's 'package.module:function' (imported where the job runs,
# so the runner never imports the layers that enqueue its jobs).
BUILT_IN: dict[str, str] = {"run_code": "tiltyard.kinds.table.code:run_code_job",
                            "grade_submission": "tiltyard.submissions:grade_job",
                            "echo": "tiltyard.runner.tasks:echo"}
# Errors that say the machine, not the job, is at fault: the job is tried again elsewhere.
RETRYABLE_ERRORS = (SandboxFailure, SandboxUnavailable, OSError, MemoryError)


def resolve(kind: str) -> Handler:
    module_name, _, function_name = BUILT_IN.get(kind, kind).partition(":")
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


def warm_up_process() -> None:
    """Import every built-in handler's module, and what its jobs need (the module's own
    ``warm_up()``, where it has one), so that a fresh pool process's first job is as quick as
    the ones after it: a table grade's first imports (scikit-learn, pandas, the coach) take
    over a second, several while the machine is busy."""
    for target in BUILT_IN.values():
        module = importlib.import_module(target.partition(":")[0])
        if callable(getattr(module, "warm_up", None)):
            module.warm_up()


def execute_job(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Entry point in the executor's process."""
    return resolve(kind)(payload)


