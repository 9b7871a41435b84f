"""A real server process, killed (SIGKILL) while its grading worker process is busy: the worker
dies with it, and every submission it had accepted is graded once it comes back (queued jobs at
once, jobs the dead worker held once their leases run out)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest
from arena_helpers import CHALLENGE, free_port, predictions_csv, start_server
from sqlalchemy import create_engine, text


def _descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children + [d for c in children for d in _descendants(c)]


def _assert_gone(pids: list[int], within_s: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()
                 and "Z" not in (Path(f"/proc/{p}/stat").read_text().split(")")[-1].split()[:1])]
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError("grading processes outlived the killed server: " + "; ".join(
        f"{p} {Path(f'/proc/{p}/cmdline').read_bytes().replace(bytes(1), b' ').decode()[:120]}"
        for p in alive))


@pytest.mark.slow
def test_submissions_accepted_before_a_kill_are_graded_after_restart(arena_home, titanic_bundle,
                                                                      tmp_path):
    from tiltyard.config import get_settings

    env = {key: value for key, value in os.environ.items() if key.startswith("TILTYARD_")}
    env["TILTYARD_GRADING_CONCURRENCY"] = "1"
    env["TILTYARD_GRADING_LEASE_SECONDS"] = "3"
    env["TILTYARD_PRACTICE_SUBMISSIONS_PER_DAY"] = "1000"
    port = free_port()
    server = start_server(env, port, tmp_path / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        httpx.post(f"{base}/api/v1/auth/signup", json={"username": "ann", "password": "password-123"})
        token = httpx.post(f"{base}/api/v1/auth/tokens",
                           json={"username": "ann", "password": "password-123"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            accepted = [http.post(f"/api/v1/challenges/{CHALLENGE}/submissions",
                                  files={"file": ("p.csv", predictions_csv(titanic_bundle, seed=i))}).json()["id"]
                        for i in range(40)]
        graders = _descendants(server.pid)
        assert graders, "the server started no grading worker process"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    _assert_gone(graders)  # the worker and its pool died with the server: no grader left behind
    engine = create_engine(get_settings().resolved_database_url)
    with engine.connect() as connection:
        waiting = connection.execute(text("SELECT count(*) FROM submissions WHERE status = 'received'")).scalar()
    engine.dispose()
    assert waiting > 0, "the grader finished before the kill; nothing was left to test"

    server = start_server(env, port, tmp_path / "server.log")
    try:
        import time

        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            while time.monotonic() < deadline:
                statuses = [s["status"] for s in http.get("/api/v1/submissions").json()]
                if "received" not in statuses:
                    break
                time.sleep(0.3)
        assert sorted(s for s in statuses) == ["graded"] * len(accepted)
    finally:
        server.terminate()
        server.wait(10)
