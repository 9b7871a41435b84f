"""Arena fixtures. Only titanic-v1 is built (once per session, as the arena's secret instance
into the arena's own catalog folder, as `tiltyard serve` does), so these tests stay fast.
Store and API tests run on SQLite, and on PostgreSQL too when TILTYARD_TEST_POSTGRES_URL is set
(each test starts from empty tables)."""

from __future__ import annotations

import pytest
from arena_helpers import CHALLENGE, arena_environment, build_in_arena
from fastapi.testclient import TestClient

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


@pytest.fixture
def app(arena_home):
    from tiltyard.server import create_app

    return create_app(grade_in_background=False)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client
