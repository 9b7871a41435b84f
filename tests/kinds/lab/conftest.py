"""Lab fixtures: instances of the insecticide world (a couple of seconds each), built once,
and the built-in bundle of the session's catalog."""

from __future__ import annotations

import pytest

TRUTH_SEEDS = (11, 22, 33)


@pytest.fixture(scope="session")
def worlds():
    from tiltyard.kinds.lab.insecticide.simulation import World

    return {seed: World.from_seed(seed) for seed in TRUTH_SEEDS}


@pytest.fixture(scope="session")
def lab_bundle():
    """Built here unless the whole catalog was built first (20 s on two slow cores)."""
    from tiltyard.challenges.registry import build
    from tiltyard.kinds.lab.insecticide.bundle import CHALLENGE_ID

    return build([CHALLENGE_ID])[0]


@pytest.fixture
def lab_home(tmp_path, monkeypatch):
    """A fresh home (and so a fresh store) for tests that store queries."""
    from tiltyard.config import get_settings

    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()
