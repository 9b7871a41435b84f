"""Engine, sessions and migrations. SQLite (WAL) in the home folder by default; any
SQLAlchemy URL (PostgreSQL via psycopg 3) when ``TILTYARD_DATABASE_URL`` says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from tiltyard.config import get_settings
from tiltyard.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A connection kept for each thread of a server's pool (40) and the sessions that
        # async routes hold across an upload, with room to spare: a request never queues
        # for a connection, and never opens one (past ``pool_size`` a connection is opened
        # and closed per checkout, with its pragmas: measured under benchmarks/server.py,
        # that churn was a fifth of a busy page's time).
        engine = create_engine(url, connect_args={"timeout": 30}, pool_size=64,
                               max_overflow=32)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A fixed pool: the count `check_connections_fit` adds up is the count a process opens.
        engine = create_engine(url, pool_pre_ping=True, max_overflow=0,
                               pool_size=get_settings().database_connections)
    migrate(engine)
    return engine


def check_connections_fit(server_processes: int, worker_processes: int, jobs_per_worker: int) -> None:
    """On PostgreSQL, refuse to start servers and workers whose pools together could open more
    connections than the database accepts (it would refuse some requests under load, not at
    start). Each server process keeps ``database_connections``; a worker process and each of
    its jobs use up to two (the queue's session beside the grade's)."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        accepted = int(connection.exec_driver_sql("SHOW max_connections").scalar_one())
        reserved = int(connection.exec_driver_sql(
            "SHOW superuser_reserved_connections").scalar_one())
    connections = get_settings().database_connections
    needed = server_processes * connections + worker_processes * (1 + jobs_per_worker) * 2
    if needed > accepted - reserved:
        raise ConfigError(
            f"{server_processes} server process(es) and {worker_processes} grading worker(s) "
            f"could open {needed} connections to PostgreSQL, which accepts {accepted - reserved}",
            expected=f"at most {accepted - reserved} connections (max_connections {accepted} "
                     f"less {reserved} reserved for superusers)",
            got=f"{server_processes} x {connections} (TILTYARD_DATABASE_CONNECTIONS) for the "
                f"servers + {worker_processes} x {1 + jobs_per_worker} x 2 for the workers",
            hint="Lower --processes or TILTYARD_DATABASE_CONNECTIONS, or raise max_connections "
                 "in postgresql.conf (then restart PostgreSQL)")


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


@lru_cache(maxsize=8)
def _session_maker(engine: Engine) -> sessionmaker:
    # One per engine: each sessionmaker makes a Session class of its own, whose events
    # SQLAlchemy sets up again, which cost a busy page more than its queries.
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def open_session() -> Iterator[Session]:
    """A session on the store that the caller commits; what it leaves uncommitted is rolled
    back when it closes. Objects stay readable after a commit (expire_on_commit=False)."""
    session = _session_maker(get_engine())()
    try:
        yield session
    finally:
        session.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with open_session() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
