"""Helpers for arena tests: accounts, predictions files, grading in the test's own thread."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from fastapi.testclient import TestClient

CHALLENGE = "titanic-v1"


def grade_all() -> int:
    from tiltyard.server.grading import grade_pending_now

    return grade_pending_now()


def build_in_arena(challenge_id: str, arena_catalog):
    """Build a built-in as the tests' arena does: its instance, into its catalog folder."""
    import pytest

    from tiltyard.challenges.registry import build
    from tiltyard.config import get_settings

    catalog, seed_file = arena_catalog
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TILTYARD_CATALOG_DIR", str(catalog))
        patch.setenv("TILTYARD_INSTANCE_SEED_FILE", str(seed_file))
        get_settings.cache_clear()
        bundle = build([challenge_id])[0]
    get_settings.cache_clear()
    return bundle


def predictions_csv(bundle, value: float | None = None, seed: int = 0) -> bytes:
    """A valid predictions file for the bundle's test ids (labels for a binary task)."""
    import numpy as np

    task = bundle.manifest.task
    test = pd.read_csv(bundle.public_file("test.csv"))
    rng = np.random.default_rng(seed)
    labels = task.classes or ["no", "yes"]
    predictions = rng.choice(labels, size=len(test)) if value is None else \
        [labels[int(value >= 0.5)]] * len(test)
    return pd.DataFrame({task.id_column: test[task.id_column],
                         task.target: predictions}).to_csv(index=False).encode()


@dataclass
class Account:
    username: str
    token: str
    id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(client: TestClient, username: str, password: str = "password-123") -> Account:
    response = client.post("/api/v1/auth/signup", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return login(client, username, password)


def login(client: TestClient, username: str, password: str) -> Account:
    response = client.post("/api/v1/auth/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(username=username, token=body["token"], id=body["user"]["id"])


def make_instructor(client: TestClient, admin: Account, account: Account) -> None:
    response = client.patch(f"/api/v1/users/{account.id}", json={"role": "instructor"},
                            headers=admin.headers)
    assert response.status_code == 200, response.text


def class_with_competition(client: TestClient, challenge_id: str = CHALLENGE, *, days_open: float = 7,
                           **competition):
    """A teacher (made instructor by the admin), their class and one competition open now on
    ``challenge_id``: (teacher, class, competition) as the API returns them."""
    from datetime import UTC, datetime, timedelta

    admin = login(client, "admin", "admin-password")
    teacher = sign_up(client, "teacher")
    make_instructor(client, admin, teacher)
    klass = client.post("/api/v1/classes", json={"name": "ML"}, headers=teacher.headers).json()
    now = datetime.now(UTC)
    comp = client.post(f"/api/v1/classes/{klass['id']}/competitions", headers=teacher.headers,
                       json={"challenge_id": challenge_id, "opens_at": (now - timedelta(hours=1)).isoformat(),
                             "closes_at": (now + timedelta(days=days_open)).isoformat(), **competition})
    assert comp.status_code == 201, comp.text
    return teacher, klass, comp.json()


def join_class(client: TestClient, klass: dict, name: str) -> Account:
    learner = sign_up(client, name)
    joined = client.post("/api/v1/classes/join", json={"join_code": klass["join_code"].lower()},
                         headers=learner.headers)
    assert joined.status_code == 200, joined.text
    return learner


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
    from tiltyard.config import get_settings
    from tiltyard.server.settings import get_arena_settings

    get_settings.cache_clear()
    get_arena_settings.cache_clear()
    yield store_home
    get_settings.cache_clear()
    get_arena_settings.cache_clear()


def arena_client(store_home, monkeypatch, catalog, seed_file):
    """A test client of an arena over ``catalog`` that grades in the test's thread (a generator,
    for a fixture to ``yield from``)."""
    from tiltyard.server import create_app

    for _ in arena_environment(store_home, monkeypatch, catalog, seed_file):
        with TestClient(create_app(grade_in_background=False)) as client:
            yield client


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log_path):
    """A real `python -m tiltyard.server` process; returns once it answers."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    process = subprocess.Popen([sys.executable, "-m", "tiltyard.server", "127.0.0.1", str(port)],
                               env={**os.environ, **env}, stdout=open(log_path, "ab"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {open(log_path).read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/challenges", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not answer within 60 s")


def catalog_of_its_own(bundle, folder, monkeypatch):
    """The arena's catalog for one test: a copy of ``bundle`` in ``folder`` (uploads and new
    versions go there, not in the session's arena catalog)."""
    import shutil

    from tiltyard.config import get_settings
    from tiltyard.server.settings import get_arena_settings

    shutil.copytree(bundle.root, folder / bundle.manifest.id)
    monkeypatch.setenv("TILTYARD_ARENA_CATALOG_DIR", str(folder))
    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(folder))
    get_settings.cache_clear()
    get_arena_settings.cache_clear()
    return folder


def zipped(folder, *, top="bundle") -> bytes:
    """A bundle folder as the zip an instructor uploads."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()
