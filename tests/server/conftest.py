"""Arena fixtures. Only titanic-v1 is built (once per session), so these tests stay fast.
Store and API tests run on SQLite, and on PostgreSQL too when TILTYARD_TEST_POSTGRES_URL is set
(each test starts from empty tables)."""

from __future__ import annotations

import os
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tiltyard.config import get_settings
from tiltyard.server.settings import get_arena_settings

POSTGRES_URL = os.environ.get("TILTYARD_TEST_POSTGRES_URL")
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="set TILTYARD_TEST_POSTGRES_URL to run on PostgreSQL"))]
from arena_helpers import CHALLENGE


@pytest.fixture(scope="session")
def titanic_bundle():
    from tiltyard.challenges.registry import build

    return build([CHALLENGE])[0]


def _empty_postgres(url: str) -> None:
    from tiltyard.store.database import engine_for

    engine = engine_for(url)  # migrates to head once per process
    with engine.begin() as connection:
        tables = [row[0] for row in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DATABASES)
def arena_home(request, tmp_path, monkeypatch, titanic_bundle):
    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TILTYARD_SECRET_KEY", "test-secret")
    monkeypatch.setenv("TILTYARD_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("TILTYARD_ADMIN_PASSWORD", "admin-password")
    monkeypatch.setenv("TILTYARD_LOGIN_ATTEMPTS_PER_MINUTE", "1000")
    monkeypatch.setenv("TILTYARD_SUBMISSIONS_PER_MINUTE", "1000")
    if request.param == "postgres":
        monkeypatch.setenv("TILTYARD_DATABASE_URL", POSTGRES_URL)
        _empty_postgres(POSTGRES_URL)
    else:
        monkeypatch.delenv("TILTYARD_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_arena_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()
    get_arena_settings.cache_clear()


@pytest.fixture
def app(arena_home):
    from tiltyard.server import create_app

    return create_app(grade_in_background=False)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client
