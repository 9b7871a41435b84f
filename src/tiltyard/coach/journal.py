"""Lessons a learner has met, kept in the store so `tiltyard lessons` can list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from tiltyard.coach.findings import CoachReport
from tiltyard.config import get_settings
from tiltyard.store import session_scope
from tiltyard.store.models import Base, utcnow


class LessonMet(Base):
    """One row per learner and lesson: when it first and last opened, and from which finding."""

    __tablename__ = "coach_lessons_met"
    __table_args__ = (UniqueConstraint("owner", "lesson_id", name="uq_coach_lessons_met_owner_lesson"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(120), index=True)
    lesson_id: Mapped[str] = mapped_column(String(80))
    first_finding: Mapped[str] = mapped_column(String(80))
    first_challenge: Mapped[str | None] = mapped_column(String(120), nullable=True)
    first_met_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_met_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    times_met: Mapped[int] = mapped_column(Integer, default=1)


@dataclass(frozen=True)
class MetLesson:
    lesson_id: str
    first_finding: str
    first_challenge: str | None
    first_met_at: datetime
    last_met_at: datetime
    times_met: int


def record_lessons(report: CoachReport, owner: str | None = None) -> list[str]:
    """Store the lessons this report opened; returns the ones met for the first time."""

    owner = owner or get_settings().owner
    first_time = []
    now = utcnow()
    opened = {}
    for finding in report.findings:  # most serious first: that finding names the lesson's origin
        opened.setdefault(finding.lesson, finding.id)
    with session_scope() as session:
        for lesson_id, finding_id in opened.items():
            row = session.scalar(select(LessonMet).where(LessonMet.owner == owner,
                                                         LessonMet.lesson_id == lesson_id))
            if row is None:
                session.add(LessonMet(owner=owner, lesson_id=lesson_id, first_finding=finding_id,
                                      first_challenge=report.challenge_id, first_met_at=now,
                                      last_met_at=now, times_met=1))
                first_time.append(lesson_id)
            else:
                row.last_met_at, row.times_met = now, row.times_met + 1
    return first_time


def lessons_met(owner: str | None = None) -> list[MetLesson]:
    """The lessons a learner has met, first met first."""

    owner = owner or get_settings().owner
    with session_scope() as session:
        rows = session.scalars(select(LessonMet).where(LessonMet.owner == owner)
                               .order_by(LessonMet.first_met_at, LessonMet.id)).all()
        return [MetLesson(r.lesson_id, r.first_finding, r.first_challenge, r.first_met_at,
                          r.last_met_at, r.times_met) for r in rows]
