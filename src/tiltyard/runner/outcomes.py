"""How a run of a code submission ended, with the evidence and what the learner should do next."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tiltyard.runner.limits import SandboxLimits


class Outcome(StrEnum):
    OK = "ok"
    TIMEOUT = "timeout"
    MEMORY_EXCEEDED = "memory_exceeded"
    EXCEPTION = "exception"
    NO_OUTPUT = "no_output"
    INVALID_OUTPUT = "invalid_output"
    FORBIDDEN = "forbidden"


class SandboxMode(StrEnum):
    BUBBLEWRAP = "bubblewrap"
    # Resource limits only: no namespaces, the code sees what the worker's user sees.
    RLIMITS_ONLY = "rlimits_only"


class LimitsMode(StrEnum):
    """What held the run to its memory, process and CPU budgets."""

    # The whole process tree together, in a control group.
    CGROUP_V1 = "cgroup-v1"
    CGROUP_V2 = "cgroup-v2"
    # Each process on its own: a tree that forks can use its budget once per process.
    RLIMITS = "rlimits"


class RunResult(BaseModel):
    """The record of one run; serialisable into a report (predictions are kept out of the dump)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    outcome: Outcome
    message: str = Field(description="what happened and what to do next, for the learner")
    wall_s: float
    cpu_s: float
    peak_memory_mb: float
    budget: SandboxLimits
    sandbox: SandboxMode
    limits_enforced_by: LimitsMode = Field(LimitsMode.RLIMITS, description="whole tree (cgroup) or per process")
    traceback_tail: str | None = Field(None, description="the learner's own frames only")
    stdout_tail: str = ""
    stderr_tail: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    classes: list[Any] | None = Field(None, description="class labels, in the column order of predict_proba")
    # 1-D for labels, regression values and binary probabilities (the positive class);
    # 2-D (rows x classes) for multiclass probabilities.
    predictions: Any = Field(None, exclude=True)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK
