"""Arena fixtures. Only titanic-v1 is built (once per session, as the arena's secret instance
into the arena's own catalog folder, as `tiltyard serve` does), so these tests stay fast.
Store and API tests run on SQLite, and on PostgreSQL too when TILTYARD_TEST_POSTGRES_URL is set
(each test starts from empty tables)."""

from __future__ import annotations

import pytest
from arena_helpers import CHALLENGE, build_in_arena
from fastapi.testclient import TestClient

from tiltyard.config import get_settings
from tiltyard.server.settings import get_arena_settings

ARENA_SEED = "271828182845904523536028747135266249775"  # the tests' arena's instance seed


@pytest.fixture(scope="session")
def arena_catalog(tmp_path_factory):
    """The arena's catalog folder and a file holding its instance seed."""
    folder = tmp_path_factory.mktemp("arena")
    seed_file = folder / "server-instance-seed"
    seed_file.write_text(ARENA_SEED + "\n", encoding="utf-8")
    return folder / "catalog", seed_file


@pytest.fixture(scope="session")
def titanic_bundle(arena_catalog):
    """The arena's instance of titanic-v1 (not the practice build a learner has)."""
    return build_in_arena(CHALLENGE, arena_catalog)


@pytest.fixture
def arena_home(store_home, monkeypatch, titanic_bundle, arena_catalog):
    yield from arena_environment(store_home, monkeypatch, *arena_catalog)


def arena_environment(store_home, monkeypatch, catalog, seed_file):
    """An arena over ``catalog`` whose instance seed is ``seed_file``'s (a generator: the
    settings' caches are cleared after)."""
    (store_home / "server-instance-seed").parent.mkdir(parents=True, exist_ok=True)
    (store_home / "server-instance-seed").write_text(seed_file.read_text(encoding="utf-8"))
    monkeypatch.setenv("TILTYARD_ARENA_CATALOG_DIR", str(catalog))
    # create_app points these at the arena's catalog and seed; set here so they are undone.
    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(catalog))
    monkeypatch.setenv("TILTYARD_INSTANCE_SEED_FILE", str(store_home / "server-instance-seed"))
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
