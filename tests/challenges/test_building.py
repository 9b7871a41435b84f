"""Building the catalog: in several processes the same bytes as in one, a build running in
another process keeps its folder while a dead one's is removed, and a built-in that other code
built (before an upgrade, an edit) is built again on first use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tiltyard.challenges.bundle import remove_stale_staging
from tiltyard.challenges.registry import STAMPS, build, code_stamp, get_bundle
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
    assert sorted(p.name for p in catalog.iterdir()) == sorted([*CHEAP, STAMPS])  # no build folder left
    assert all((catalog / STAMPS / challenge_id).read_text() == code_stamp(challenge_id) for challenge_id in CHEAP)


def test_a_builtin_that_other_code_built_is_built_again_on_first_use(catalog, fresh_catalog):
    built = catalog["titanic-v1"]
    upgraded = fresh_catalog("upgraded")
    shutil.copytree(built.root, upgraded / "titanic-v1")  # what an older Tiltyard left: no stamp
    leftover = upgraded / "titanic-v1" / "public" / "left-by-the-old-build.txt"
    leftover.write_text("the old code's file")
    rebuilt = get_bundle("titanic-v1")
    assert not leftover.exists(), "the bundle the old code built was used as it was"
    assert rebuilt.hash == built.hash  # the same code builds the same bytes
    stamp = upgraded / STAMPS / "titanic-v1"
    assert stamp.read_text() == code_stamp("titanic-v1")
    leftover.write_text("written after the build")
    assert get_bundle("titanic-v1").root == rebuilt.root and leftover.exists()  # built by this code: kept
    stamp.write_text("another version's stamp")
    assert not get_bundle("titanic-v1").root.joinpath(leftover.relative_to(rebuilt.root)).exists()


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
