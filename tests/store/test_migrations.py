"""Alembic migrations build the schema the models describe, from nothing, idempotently."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import tiltyard
from tiltyard.store import Base
from tiltyard.store.database import migrate


def import_all_models() -> None:
    """Tables live beside the code that owns them (coach, labs, runner): load every module."""
    for module in pkgutil.walk_packages(tiltyard.__path__, "tiltyard."):
        if ".server" in module.name or module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:
            pass  # optional extras (ray, torch) not installed


def test_migrations_match_the_models(store_home):
    from tiltyard.store import get_engine

    import_all_models()
    engine = get_engine()  # migrated to head: SQLite, and PostgreSQL when configured
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "models changed without a migration: " + repr(differences[:5])


def test_migrating_twice_changes_nothing(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == tables
    assert {"submissions", "alembic_version"} <= tables


def test_sqlite_store_uses_write_ahead_logging(home):
    from sqlalchemy import text

    from tiltyard.store import get_engine

    with get_engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
