"""The report: one versioned JSON record per submission, the same locally and on a server."""

from __future__ import annotations

import platform
import sys
from datetime import datetime
from functools import cache
from importlib import metadata
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from tiltyard.challenges.manifest import BASELINE_DECIMALS
from tiltyard.core import ReportSection
from tiltyard.errors import ErrorInfo

REPORT_SCHEMA_VERSION = 2
TRACKED_PACKAGES = ("tiltyard", "numpy", "pandas", "pyarrow", "scikit-learn")


class Rung(BaseModel):
    """One baseline on the ladder, with whether this submission beats it (public split)."""

    name: str
    description: str
    public_score: float
    private_score: float | None = None
    beaten: bool | None = None

    def tied_by(self, score: float | None) -> bool:
        """Equal at the precision the manifest stores baselines (a design as good as the rung
        ties it, even though the manifest kept 0.527194 of 0.52719412...)."""
        return score is not None and same_score(score, self.public_score)


def same_score(a: float, b: float) -> bool:
    return round(a, BASELINE_DECIMALS) == round(b, BASELINE_DECIMALS)


def beats(direction: str, score: float, baseline: float) -> bool:
    """Strictly better than a stored baseline, ties (at its stored precision) excluded."""
    if same_score(score, baseline):
        return False
    return score > baseline if direction == "maximize" else score < baseline


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
        return cls(**_this_process())


@cache
def _this_process() -> dict:
    """The versions this process runs, read once: the code a process has loaded does not change
    when a package is upgraded under it, and reading the packages' metadata took 11 ms of a
    29.5 ms table grade when it was read for every report."""
    versions = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"python": sys.version.split()[0], "platform": platform.platform(), "packages": versions}


def upgrade_v1(data: dict) -> dict:
    """Schema 1 kept a code run, a lab's designs and chart data in untyped fields of their own;
    schema 2 keeps them as the sections the table and lab kinds write."""
    data = dict(data)
    run, details, charts = data.pop("run", None), data.pop("details", None), data.pop("charts", None)
    kind = "lab" if details else "table"
    sections = []
    if run:
        sections.append({"kind": kind, "name": "run", "title": "The run", "data": run})
    if details:
        sections.append({"kind": kind, "name": "designs", "title": "Your designs",
                         "data": {"key_columns": [], "rows": details}})
    if charts:
        sections.append({"kind": kind, "name": "diagnostics", "title": "Diagnostics (public rows)",
                         "data": charts})
    return {**data, "schema_version": REPORT_SCHEMA_VERSION, "kind": kind, "sections": sections}


class EarlierGrade(BaseModel):
    """A grade the submission had before `tiltyard regrade` graded it on another bundle."""

    challenge_id: str
    bundle_hash: str
    status: str
    public_score: float | None = None
    private_score: float | None = None  # shown only where the current private score is
    graded_at: datetime | None = None
    replaced_at: datetime


class Report(BaseModel):
    schema_version: int = REPORT_SCHEMA_VERSION
    submission_id: int | None = None
    kind: str
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
    # The kind's own parts (a code run's usage, a lab's designs, chart data), in page order.
    sections: list[ReportSection] = Field(default_factory=list)
    artifacts: dict[str, str] = Field(default_factory=dict)  # name -> file saved beside the report
    timings: Timings = Field(default_factory=Timings)
    earlier_grades: list[EarlierGrade] = Field(default_factory=list)  # oldest first
    environment: Environment = Field(default_factory=Environment.current)

    @model_validator(mode="before")
    @classmethod
    def _read_every_version(cls, data):
        if isinstance(data, dict) and data.get("schema_version") == 1:
            return upgrade_v1(data)
        return data

    def without_private(self) -> Report:
        """The report as one who may not see the private rows' figures sees it."""
        return self.model_copy(update={"private_scores": None,
                                       "sections": [s for s in self.sections if not s.private]})

    def section(self, name: str) -> ReportSection | None:
        return next((s for s in self.sections if s.name == name), None)

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
        # Ties are read again from the scores, so reports stored before ties existed read right.
        tied = [r.name for r in self.ladder if r.tied_by(self.public_score)]
        beaten = [r.name for r in self.ladder if r.beaten and r.name not in tied]
        above = [r.name for r in self.ladder if r.beaten is False and r.name not in tied]
        parts = []
        if beaten:
            parts.append("beats " + ", ".join(beaten))
        if tied:
            parts.append("ties " + ", ".join(tied))
        if above:
            parts.append("below " + ", ".join(above))
        return "; ".join(parts) or "no baselines"
