"""Shared fixtures. The built-in catalog is built once per test session into a temporary
folder; every test that touches the store gets a fresh home (database, submissions,
reports) that shares that catalog."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def catalog():
    """Every built-in challenge, built once: {id: Bundle}."""
    from tiltyard.challenges.registry import build

    return {bundle.manifest.id: bundle for bundle in build()}


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
