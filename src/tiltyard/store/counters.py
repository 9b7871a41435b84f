"""Named counters in the store, shared by every process on the database.

One upsert does two jobs. As a **stamp**, a counter that writers increment in the transaction
that changes something (a grade recorded), so that any process, on any machine, can tell
cheaply whether what it cached is stale. As a **turn**, the increment holds the counter's row
until the transaction ends (PostgreSQL: the row lock of ``ON CONFLICT DO UPDATE``; SQLite: the
database's write lock, taken by the first write of a transaction), so transactions that take
the same turn run one after another: a count followed by an insert becomes atomic.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from tiltyard.store.models import Base


class Counter(Base):
    __tablename__ = "store_counters"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def increment(session: Session, name: str) -> int:
    """Add one to ``name`` (created at 1) and return its new value. Until the session commits
    or rolls back, every other transaction that increments ``name`` waits. Call it first in
    the transaction on SQLite: a read before it would pin an older snapshot."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    table = Counter.__table__
    statement = dialect.insert(table).values(name=name, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"value": table.c.value + 1}
    ).returning(table.c.value)
    return session.execute(statement).scalar_one()


def take_turn(session: Session, name: str) -> None:
    """Wait for, and hold until this transaction ends, the turn called ``name``."""
    increment(session, f"turn:{name}")


def read(session: Session, name: str) -> int:
    """The counter's value; 0 if it was never incremented."""
    return session.scalar(select(Counter.value).where(Counter.name == name)) or 0
