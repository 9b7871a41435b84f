"""Building the catalog: in several processes the same bytes as in one, and a build running in
another process keeps its folder while a dead one's is removed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tiltyard.challenges.bundle import remove_stale_staging
from tiltyard.challenges.registry import build
from tiltyard.config import get_settings
from tiltyard.errors import ChallengeNotFound

CHEAP = ["titanic-v1", "grid-penguins-v1"]


@pytest.fixture
def fresh_catalog(tmp_path, monkeypatch):
    def use(name: str) -> Path:
        monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(tmp_path / name))
        get_settings.cache_clear()
        return tmp_path / name
    yield use
    get_settings.cache_clear()


@pytest.mark.slow  # two fresh interpreters import the builders: 19 s (the session's catalog is built so too)
def test_two_processes_build_the_same_bytes_as_one_and_say_each_is_built(fresh_catalog):
    fresh_catalog("one")
    alone = {bundle.manifest.id: bundle.hash for bundle in build(CHEAP)}
    catalog = fresh_catalog("two")
    heard = []
    together = {bundle.manifest.id: bundle.hash for bundle in build(CHEAP, jobs=2,
                                                                     progress=lambda i, s: heard.append((i, s)))}
    assert together == alone
    assert sorted(heard) == [(challenge_id, "built") for challenge_id in sorted(CHEAP)]
    assert sorted(p.name for p in catalog.iterdir()) == sorted(CHEAP)  # no build folder left


def test_an_unknown_id_is_refused_before_anything_is_built(fresh_catalog):
    catalog = fresh_catalog("refused")
    with pytest.raises(ChallengeNotFound, match="titanic-v2"):
        build(["titanic-v1", "titanic-v2"], jobs=2)
    assert not (catalog / "titanic-v1").exists()


def test_only_a_dead_processs_or_a_finished_builds_folder_is_removed(tmp_path):
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    try:
        theirs = tmp_path / f".build-titanic-v1-{running.pid}-k2j4x_9a"
        crashed = tmp_path / f".build-titanic-v1-{dead_pid}-k2j4x_9a"
        older = tmp_path / ".build-titanic-v1-k2j4x_9a"  # named before builds carried their pid
        oldest = tmp_path / ".build-k2j4x_9a"
        ours_failed = tmp_path / f".build-titanic-v1-{os.getpid()}-k2j4x_9a"
        ours_running = tmp_path / f".build-credit-risk-v1-{os.getpid()}-k2j4x_9a"  # another thread's
        for folder in (theirs, crashed, older, oldest, ours_failed, ours_running):
            (folder / "data").mkdir(parents=True)
        remove_stale_staging(tmp_path, finished=["titanic-v1"])
        assert theirs.is_dir() and ours_running.is_dir()
        assert not any(f.exists() for f in (crashed, older, oldest, ours_failed))
    finally:
        running.kill()
        running.wait()
    remove_stale_staging(tmp_path)
    assert not theirs.exists()
