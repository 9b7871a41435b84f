"""Findings: what the coach says, with the evidence behind it, and the report that holds them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

COACH_REPORT_SCHEMA_VERSION = 1
COACH_REPORT_NAME = "coach.json"


class Severity(StrEnum):
    """How much a finding costs the learner.

    ``serious``: a mistake that costs score or makes the result untrustworthy; fix it first.
    ``warning``: likely costs something, or will once the data changes.
    ``info``: context worth knowing; nothing to fix.
    """

    SERIOUS = "serious"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"serious": 0, "warning": 1, "info": 2}[self.value]


@dataclass
class Finding:
    """One diagnosis. ``id`` is stable across versions: tests, lessons and the store key on it."""

    id: str
    severity: Severity
    title: str
    evidence: str
    next_steps: list[str]
    lesson: str
    numbers: dict[str, Any] = field(default_factory=dict)
    plot: Path | None = None  # the chart that says it best, saved beside the report
    extra_plots: list[Path] = field(default_factory=list)  # further charts for the same finding

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["plot"] = self.plot.name if self.plot else None
        data["extra_plots"] = [path.name for path in self.extra_plots]
        data["numbers"] = _plain(self.numbers)
        return data


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays into JSON-friendly Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, float) and value != value:
        return None
    return value


@dataclass
class CoachReport:
    """Everything one coaching run found, plus what it could not get to within its budget."""

    challenge_id: str | None
    subject: str
    findings: list[Finding]
    scores: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    folder: Path | None = None
    new_lessons: list[str] = field(default_factory=list)  # lessons this run opened for the first time
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage and per check

    def __post_init__(self) -> None:
        self.findings.sort(key=lambda f: (f.severity.rank, f.id))

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.findings]

    @property
    def serious(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.SERIOUS]

    def get(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)

    @property
    def lessons(self) -> list[str]:
        """Lessons opened by this run, most serious finding first, each once."""
        return list(dict.fromkeys(f.lesson for f in self.findings))

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": COACH_REPORT_SCHEMA_VERSION, "challenge_id": self.challenge_id,
                "subject": self.subject, "seconds": round(self.seconds, 3),
                "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "scores": _plain(self.scores), "skipped": self.skipped,
                "findings": [f.to_dict() for f in self.findings]}

    def save(self) -> Path | None:
        """Write coach.json into the folder that already holds the charts."""
        if self.folder is None:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / COACH_REPORT_NAME
        path.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        return path
