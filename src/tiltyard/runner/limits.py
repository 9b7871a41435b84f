"""The limits one sandboxed run is held to: the same numbers mean the same limits on every machine.

A challenge's budget (``challenges.manifest.Budget``: submissions a day, experiments, steps and
these limits) sets them for its submissions; the defaults here suit a run outside any challenge.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SandboxLimits(BaseModel):
    """Limits the sandbox enforces on one run of a code submission."""

    # Unknown keys are refused so that a typo in a manifest (``memory_gb``) is not silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)

    wall_seconds: float = Field(300.0, gt=0, description="wall-clock time, enforced from outside")
    cpu_seconds: float = Field(600.0, gt=0, description="CPU time of one process, all its threads together "
                                                          "(with cgroups: of the whole process tree)")
    memory_mb: int = Field(2048, gt=0, description="heap and anonymous memory of one process (with cgroups, "
                                                "the whole tree is held to it plus an allowance for the interpreter)")
    threads: int = Field(2, ge=1, description="threads BLAS/OpenMP/joblib are told to use")
    processes: int = Field(64, ge=1, description="processes and threads the submission may have at once")
    scratch_mb: int = Field(512, gt=0, description="size of the private scratch folder, and of any one file")

    def describe(self) -> str:
        return (f"{self.wall_seconds:g} s wall, {self.cpu_seconds:g} s CPU, {self.memory_mb} MB memory, "
                f"{self.threads} threads, {self.processes} processes, {self.scratch_mb} MB scratch")
