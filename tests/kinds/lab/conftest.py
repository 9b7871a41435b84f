"""Lab fixtures: instances of the insecticide world (a couple of seconds each), built once,
and the bundle built once per session into a temporary catalog."""

from __future__ import annotations

import pytest

TRUTH_SEEDS = (11, 22, 33)


@pytest.fixture(scope="session")
def worlds():
    from tiltyard.kinds.lab.insecticide.simulation import World

    return {seed: World.from_seed(seed) for seed in TRUTH_SEEDS}


@pytest.fixture(scope="session")
def lab_bundle(tmp_path_factory):
    from tiltyard.kinds.lab.insecticide.bundle import BUILDER

    return BUILDER.build(tmp_path_factory.mktemp("lab-catalog"))


@pytest.fixture
def lab_home(tmp_path, monkeypatch):
    """A fresh home (and so a fresh store) for tests that store queries."""
    from tiltyard.config import get_settings

    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()
