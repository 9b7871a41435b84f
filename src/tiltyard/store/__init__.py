"""The store: SQLAlchemy models, sessions and Alembic migrations."""

from tiltyard.store import counters  # noqa: F401 - its table is part of the schema
from tiltyard.store.database import get_engine, migrate, open_session, session_scope
from tiltyard.store.models import Base, Submission, SubmissionGrade

__all__ = ["Base", "Submission", "SubmissionGrade", "get_engine", "migrate", "open_session", "session_scope"]
