"""Stored lab queries: the ``lab_queries`` table and the query log that reads and writes it.

One row per query (a batch), holding its result rows as JSON, so the budget used is a sum
over rows and an export replays exactly what the learner saw.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from tiltyard.kinds.lab.core import StoredQuery
from tiltyard.store import Base, session_scope
from tiltyard.store.models import utcnow


class LabQuery(Base):
    __tablename__ = "lab_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = mapped_column(String(120), index=True)
    bundle_hash: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(120), index=True, default="local")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    designs: Mapped[int] = mapped_column(Integer)
    charged: Mapped[int] = mapped_column(Integer)
    rows: Mapped[list] = mapped_column(JSON)


class StoreQueryLog:
    """Queries of one owner on one lab, in the store (SQLite or PostgreSQL)."""

    def __init__(self, challenge_id: str, bundle_hash: str, owner: str):
        self.challenge_id = challenge_id
        self.bundle_hash = bundle_hash
        self.owner = owner

    def _mine(self, statement):
        return statement.where(LabQuery.challenge_id == self.challenge_id,
                               LabQuery.owner == self.owner)

    def used(self) -> int:
        with session_scope() as session:
            total = session.scalar(self._mine(select(func.coalesce(func.sum(LabQuery.charged), 0))))
        return int(total)

    def append(self, designs: int, charged: int, rows: list[dict]) -> StoredQuery:
        with session_scope() as session:
            record = LabQuery(challenge_id=self.challenge_id, bundle_hash=self.bundle_hash,
                              owner=self.owner, designs=designs, charged=charged, rows=rows)
            session.add(record)
            session.flush()
            return StoredQuery(record.id, record.created_at, designs, charged, rows)

    def queries(self) -> list[StoredQuery]:
        with session_scope() as session:
            records = session.scalars(self._mine(select(LabQuery)).order_by(LabQuery.id)).all()
            return [StoredQuery(r.id, r.created_at, r.designs, r.charged, r.rows) for r in records]
