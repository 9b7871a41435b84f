"""Several server processes over one store, and a grading worker that shares only the
database: rate limits are counted across processes, a session signed on one is valid on the
other, and a grade recorded by the separate worker refreshes the cached boards of both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from arena_helpers import CHALLENGE, free_port, predictions_csv, start_server

# Real server processes started and stopped (about 50 s on two slow cores): with the slow tests.
pytestmark = pytest.mark.slow

BOARD = f"/api/v1/challenges/{CHALLENGE}/leaderboard"


@pytest.fixture
def arena_env(arena_home):
    env = {key: value for key, value in os.environ.items() if key.startswith("TILTYARD_")}
    env.pop("TILTYARD_SECRET_KEY")  # the session key comes from the store, as in production
    env.update(TILTYARD_GRADING_WORKERS="0", TILTYARD_LOGIN_ATTEMPTS_PER_MINUTE="5",
               TILTYARD_LEADERBOARD_REFRESH_SECONDS="0.5")
    return env


@pytest.fixture
def two_servers(arena_env, tmp_path):
    ports = free_port(), free_port()
    servers = [start_server(arena_env, port, tmp_path / f"server-{port}.log") for port in ports]
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(15)


def _people(base: str) -> list[str]:
    return [r["who"] for r in httpx.get(base + BOARD, timeout=10).json()["rows"]
            if not r["baseline"]]


def _signed_in_browser(base: str, username: str, password: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=10)
    page = browser.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = browser.post("/login", data={"username": username, "password": password,
                                          "csrf_token": csrf})
    assert answer.status_code in (200, 303), answer.text
    return browser


def test_two_processes_share_rate_limits_sessions_and_boards(two_servers, arena_env,
                                                            titanic_bundle):
    a, b = two_servers
    account = {"username": "ann", "password": "password-123"}
    # Sign-in attempts from one address, limit 5 a minute, counted over both processes.
    assert httpx.post(f"{a}/api/v1/auth/signup", json=account).status_code == 201  # 1 (A)
    token = httpx.post(f"{a}/api/v1/auth/tokens", json=account).json()["token"]  # 2 (A)
    browser = _signed_in_browser(b, "ann", "password-123")  # 3 (B)
    wrong = {"username": "ann", "password": "not-hers-1"}
    assert httpx.post(f"{a}/api/v1/auth/tokens", json=wrong).status_code == 401  # 4 (A)
    assert httpx.post(f"{b}/api/v1/auth/tokens", json=wrong).status_code == 401  # 5 (B)
    limited = httpx.post(f"{a}/api/v1/auth/tokens", json=wrong)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0

    # The cookie B signed is valid on A: the key is the store's, not a process's.
    cookies = dict(browser.cookies)
    me_on_a = httpx.get(f"{a}/me", cookies=cookies, timeout=10)
    assert me_on_a.status_code == 200 and "ann" in me_on_a.text
    browser.close()

    # Both servers cache the board; a grade by a separate worker process refreshes both.
    assert _people(a) == _people(b) == []
    headers = {"Authorization": f"Bearer {token}"}
    sent = httpx.post(f"{a}/api/v1/challenges/{CHALLENGE}/submissions", headers=headers,
                      files={"file": ("p.csv", predictions_csv(titanic_bundle), "text/csv")})
    assert sent.status_code == 202, sent.text
    worker = subprocess.run([str(Path(sys.executable).parent / "tiltyard"), "worker", "--arena",
                             "--until-idle", "--json"], env={**os.environ, **arena_env},
                            capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    graded_at = time.monotonic()
    for base in (a, b):
        while _people(base) != ["ann"]:
            assert time.monotonic() - graded_at < 2.0, f"{base}'s board did not refresh"
            time.sleep(0.05)


def test_serve_runs_several_server_processes_on_one_port(arena_env, tmp_path):
    port = free_port()
    log = open(tmp_path / "serve.log", "ab")
    serve = subprocess.Popen([str(Path(sys.executable).parent / "tiltyard"), "serve", "--no-build",
                              "--port", str(port), "--workers", "0", "--processes", "2"],
                             env={**os.environ, **arena_env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "tiltyard serve --processes 2 did not answer"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/challenges").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        servers = [c for c in children
                   if b"multiprocessing" in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert len(servers) >= 2, [Path(f"/proc/{c}/cmdline").read_bytes() for c in children]
    finally:
        serve.terminate()
        serve.wait(30)
