"""Shared fixtures. The built-in catalog is built once per test session into a temporary
folder; every test that touches the store gets a fresh home (database, submissions,
reports) that shares that catalog."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before tiltyard is imported anywhere: never touch the real home folder.
_SESSION_ROOT = Path(tempfile.mkdtemp(prefix="tiltyard-tests-"))
os.environ["TILTYARD_HOME"] = str(_SESSION_ROOT / "home")
os.environ["TILTYARD_CATALOG_DIR"] = str(_SESSION_ROOT / "catalog")
os.environ.pop("TILTYARD_DATABASE_URL", None)
os.environ["COLUMNS"] = "200"  # Rich tables unwrapped, so tests can read them

from tiltyard.config import get_settings  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    """The session's catalog and home go with it (50 MB a run, left in /tmp before)."""
    shutil.rmtree(_SESSION_ROOT, ignore_errors=True)


POSTGRES_URL = os.environ.get("TILTYARD_TEST_POSTGRES_URL")
# The store and API tests run again on PostgreSQL with the slow tests (`make test-slow`): the
# timed suite runs them on SQLite, the default store.
DATABASES = ["sqlite", pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.skipif(
    not POSTGRES_URL, reason="set TILTYARD_TEST_POSTGRES_URL to run on PostgreSQL")])]


@pytest.fixture(scope="session")
def catalog():
    """Every built-in challenge, built once, two at a time: {id: Bundle}."""
    from tiltyard.challenges.registry import build

    return {bundle.manifest.id: bundle for bundle in build(jobs=2)}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty home (store, submissions, reports) sharing the session's catalog,
    where challenges are built on first use."""
    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.fixture
def titanic(home):
    import tiltyard

    return tiltyard.load("titanic-v1")


def empty_postgres(url: str) -> None:
    """Migrate once, then empty every table (ids restart) so each test starts clean."""
    from sqlalchemy import text

    from tiltyard.store.database import engine_for

    engine = engine_for(url)
    with engine.begin() as connection:
        tables = [row[0] for row in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DATABASES)
def store_home(request, home, monkeypatch):
    """A fresh home whose store is SQLite, and (when configured) PostgreSQL too."""
    if request.param == "postgres":
        monkeypatch.setenv("TILTYARD_DATABASE_URL", POSTGRES_URL)
        empty_postgres(POSTGRES_URL)
    else:
        monkeypatch.delenv("TILTYARD_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
