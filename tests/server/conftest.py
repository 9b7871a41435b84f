"""Arena fixtures. Only titanic-v1 is built (once per session), so these tests stay fast.
Store and API tests run on SQLite, and on PostgreSQL too when TILTYARD_TEST_POSTGRES_URL is set
(each test starts from empty tables)."""

from __future__ import annotations

import pytest
from arena_helpers import CHALLENGE
from fastapi.testclient import TestClient

from tiltyard.config import get_settings
from tiltyard.server.settings import get_arena_settings


@pytest.fixture(scope="session")
def titanic_bundle():
    from tiltyard.challenges.registry import build

    return build([CHALLENGE])[0]


@pytest.fixture
def arena_home(store_home, monkeypatch, titanic_bundle):
    monkeypatch.setenv("TILTYARD_SECRET_KEY", "test-secret")
    monkeypatch.setenv("TILTYARD_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("TILTYARD_ADMIN_PASSWORD", "admin-password")
    monkeypatch.setenv("TILTYARD_LOGIN_ATTEMPTS_PER_MINUTE", "1000")
    monkeypatch.setenv("TILTYARD_SUBMISSIONS_PER_MINUTE", "1000")
    # Tests read a board right after grading; a server under load may let it lag 0.5 s.
    monkeypatch.setenv("TILTYARD_LEADERBOARD_REFRESH_SECONDS", "0")
    get_settings.cache_clear()
    get_arena_settings.cache_clear()
    yield store_home
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
