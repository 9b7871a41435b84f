"""The arena's tables: accounts, tokens, classes, competitions, teams, and entries that tie a
stored submission to who made it and where. The submission itself stays the spine's row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tiltyard.store.models import Base, utcnow


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Role:
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"
    ALL = (LEARNER, INSTRUCTOR, ADMIN)


class User(Base):
    __tablename__ = "arena_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_teach(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)


class Token(Base):
    """An API token (purpose ``api``, owned by a user) or the one-time setup token (``setup``).
    Only the sha256 of the secret is kept."""

    __tablename__ = "arena_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20), default="api")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("arena_users.id", ondelete="CASCADE"),
                                                nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Classroom(Base):
    __tablename__ = "arena_classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    join_code: Mapped[str] = mapped_column(String(20), unique=True)
    instructor_id: Mapped[int] = mapped_column(ForeignKey("arena_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Membership(Base):
    __tablename__ = "arena_memberships"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_arena_memberships"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("arena_classes.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("arena_users.id", ondelete="CASCADE"),
                                         index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Competition(Base):
    """One challenge run inside a class between two dates."""

    __tablename__ = "arena_competitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("arena_classes.id", ondelete="CASCADE"),
                                          index=True)
    challenge_id: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submissions_per_day: Mapped[int] = mapped_column(Integer)
    max_team_size: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def is_open(self, now: datetime) -> bool:
        return aware(self.opens_at) <= now < aware(self.closes_at)

    def is_closed(self, now: datetime) -> bool:
        return now >= aware(self.closes_at)


class Team(Base):
    __tablename__ = "arena_teams"
    __table_args__ = (UniqueConstraint("competition_id", "name", name="uq_arena_teams_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("arena_competitions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TeamMember(Base):
    __tablename__ = "arena_team_members"
    # One team per person per competition.
    __table_args__ = (UniqueConstraint("competition_id", "user_id", name="uq_arena_team_members"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("arena_teams.id", ondelete="CASCADE"),
                                         index=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("arena_competitions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("arena_users.id", ondelete="CASCADE"))


class Entry(Base):
    """Who handed in a stored submission, and for which competition (none: practice)."""

    __tablename__ = "arena_entries"
    # A viewer's entries in a competition, and their team's: read on every competition page.
    __table_args__ = (Index("ix_arena_entries_competition_user", "competition_id", "user_id",
                            "submission_id"),
                      Index("ix_arena_entries_competition_team", "competition_id", "team_id",
                            "submission_id"))

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("arena_users.id"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(120), index=True)
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("arena_competitions.id", ondelete="CASCADE"), nullable=True, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("arena_teams.id"), nullable=True)
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)


class ArenaBundle(Base):
    """A bundle an instructor uploaded to a class: kept under the arena's home by its hash,
    with the checker's named checks. Only one that passed is in the catalog for competitions."""

    __tablename__ = "arena_bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("arena_classes.id", ondelete="CASCADE"),
                                          index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("arena_users.id"))
    challenge_id: Mapped[str] = mapped_column(String(120), index=True)
    bundle_hash: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    checks: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RateEvent(Base):
    """One counted event (a sign-in attempt, a submission) of a rate limit's key, at a Unix
    time; kept for one window (see security.RateLimiter)."""

    __tablename__ = "arena_rate_events"
    __table_args__ = (Index("ix_arena_rate_events_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[float] = mapped_column(Float)


class ArenaSecret(Base):
    """A secret every server process on the store shares (the session cookies' key)."""

    __tablename__ = "arena_secrets"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
