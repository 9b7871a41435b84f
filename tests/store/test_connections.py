"""How many connections to PostgreSQL the arena's processes may open, checked before serving."""

from __future__ import annotations

import os

import pytest
import uvicorn

from tiltyard.config import get_settings
from tiltyard.errors import ConfigError
from tiltyard.store.database import check_connections_fit, engine_for, get_engine

POSTGRES_URL = os.environ.get("TILTYARD_TEST_POSTGRES_URL")  # as tests/conftest.py reads it


def on_postgres(test):
    """On the PostgreSQL store only (``store_home`` also runs on SQLite)."""
    test = pytest.mark.parametrize("store_home", ["postgres"], indirect=True)(test)
    return pytest.mark.skipif(not POSTGRES_URL, reason="set TILTYARD_TEST_POSTGRES_URL to run "
                              "on PostgreSQL")(test)


def test_a_small_arena_fits_on_either_store(store_home):
    check_connections_fit(server_processes=2, worker_processes=1, jobs_per_worker=2)


def test_sqlite_has_no_connection_budget(home):
    check_connections_fit(server_processes=500, worker_processes=50, jobs_per_worker=8)


@on_postgres
def test_too_many_processes_for_postgres_are_refused_with_the_numbers(store_home):
    with pytest.raises(ConfigError) as raised:
        check_connections_fit(server_processes=50, worker_processes=2, jobs_per_worker=2)
    message = str(raised.value)
    assert "could open 1012 connections" in message  # 50 x 20 + 2 x 3 x 2
    assert "max_connections" in message and "TILTYARD_DATABASE_CONNECTIONS" in message


@on_postgres
def test_a_process_keeps_the_pool_it_is_told(store_home, monkeypatch):
    monkeypatch.setenv("TILTYARD_DATABASE_CONNECTIONS", "3")
    get_settings.cache_clear()
    engine_for.cache_clear()
    try:
        engine = get_engine()
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 0)
    finally:
        engine.dispose()
        engine_for.cache_clear()


@on_postgres
def test_serve_refuses_to_start_past_the_budget(store_home, monkeypatch):
    from test_cli import run

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    # serve writes os.environ once past the check (the arena's catalog): a copy, undone after.
    monkeypatch.setattr(os, "environ", dict(os.environ))
    result = run("serve", "--no-build", "--workers", "0", "--processes", "60", ok=False)
    assert result.exit_code == 2 and not started
    assert "could open 1200 connections" in result.output
    get_settings.cache_clear()
