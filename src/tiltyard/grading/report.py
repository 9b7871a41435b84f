"""The report: one versioned JSON record per submission, the same locally and on a server."""

from __future__ import annotations

import platform
import sys
from datetime import datetime
from importlib import metadata
from typing import Literal

from pydantic import BaseModel, Field

REPORT_SCHEMA_VERSION = 1
TRACKED_PACKAGES = ("tiltyard", "numpy", "pandas", "pyarrow", "scikit-learn")


class ErrorInfo(BaseModel):
    code: str
    message: str
    expected: str | None = None
    got: str | None = None
    hint: str | None = None


class Rung(BaseModel):
    """One baseline on the ladder, with whether this submission beats it (public split)."""

    name: str
    description: str
    public_score: float
    private_score: float | None = None
    beaten: bool | None = None


class Timings(BaseModel):
    read_and_validate_s: float = 0.0
    score_s: float = 0.0
    total_s: float = 0.0


class Environment(BaseModel):
    python: str
    platform: str
    packages: dict[str, str]

    @classmethod
    def current(cls) -> Environment:
        versions = {}
        for name in TRACKED_PACKAGES:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = "not installed"
        return cls(python=sys.version.split()[0], platform=platform.platform(), packages=versions)


class Report(BaseModel):
    schema_version: int = REPORT_SCHEMA_VERSION
    submission_id: int | None = None
    challenge_id: str
    challenge_title: str
    bundle_hash: str
    submission_sha256: str
    filename: str
    submitted_at: datetime
    owner: str = "local"
    status: Literal["graded", "rejected"]
    error: ErrorInfo | None = None
    primary_metric: str
    direction: Literal["maximize", "minimize"]
    public_scores: dict[str, float] = Field(default_factory=dict)
    private_scores: dict[str, float] | None = None
    final: bool = False
    public_rows: int = 0
    private_rows: int = 0
    ladder: list[Rung] = Field(default_factory=list)
    rank_among_own: int | None = None
    own_submissions: int | None = None
    warnings: list[str] = Field(default_factory=list)
    run: dict | None = None  # code submissions: outcome, wall/CPU seconds, peak memory, budget, sandbox
    details: list[dict] = Field(default_factory=list)  # per-design results of a lab submission
    artifacts: dict[str, str] = Field(default_factory=dict)  # plots saved beside the report
    # Chart data from the public rows (grading.diagnostics): confusion, reliability and score
    # distribution, or residuals by decile. Optional, so schema 1 reports without it still load.
    charts: dict = Field(default_factory=dict)
    timings: Timings = Field(default_factory=Timings)
    environment: Environment = Field(default_factory=Environment.current)

    @property
    def public_score(self) -> float | None:
        return self.public_scores.get(self.primary_metric)

    @property
    def private_score(self) -> float | None:
        return None if self.private_scores is None else self.private_scores.get(self.primary_metric)

    @property
    def ladder_summary(self) -> str:
        """'beats constant, logistic; below random forest, boosted trees' (public split)."""
        if self.public_score is None:
            return "not graded"
        beaten = [r.name for r in self.ladder if r.beaten]
        tied = [r.name for r in self.ladder if not r.beaten and r.public_score == self.public_score]
        above = [r.name for r in self.ladder if r.beaten is False and r.name not in tied]
        parts = []
        if beaten:
            parts.append("beats " + ", ".join(beaten))
        if tied:
            parts.append("ties " + ", ".join(tied))
        if above:
            parts.append("below " + ", ".join(above))
        return "; ".join(parts) or "no baselines"
