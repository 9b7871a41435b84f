"""The CLI against a real running arena (uvicorn on a port, in this process, with a grading
thread): once logged in, every learner command speaks to the arena, and every command the CLI
suggests works."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from arena_helpers import CHALLENGE, free_port, predictions_csv
from test_cli import run  # the CLI in-process, as tests/test_cli.py runs it


@pytest.fixture
def arena_url(arena_home):
    import uvicorn

    from tiltyard.server import create_app
    from tiltyard.server.grading import grade_pending_now

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(grade_in_background=False), host="127.0.0.1",
                                           port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    stop = threading.Event()

    def grade_forever():
        while not stop.is_set():
            grade_pending_now()
            stop.wait(0.1)

    grading = threading.Thread(target=grade_forever, daemon=True)
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the arena did not start"
        time.sleep(0.05)
    grading.start()
    yield f"http://127.0.0.1:{port}"
    stop.set()
    server.should_exit = True
    serving.join(10)
    grading.join(30)


def _class_with_competition(url: str, title: str, per_day: int) -> dict:
    """A teacher's class with one open competition, joined by ann (password password-123)."""
    def token(username):
        return httpx.post(f"{url}/api/v1/auth/tokens", json={
            "username": username, "password": "password-123" if username != "admin"
            else "admin-password"}).json()

    for name in ("teacher", "ann"):
        httpx.post(f"{url}/api/v1/auth/signup", json={"username": name, "password": "password-123"})
    admin = {"Authorization": f"Bearer {token('admin')['token']}"}
    teacher = token("teacher")
    httpx.patch(f"{url}/api/v1/users/{teacher['user']['id']}", json={"role": "instructor"},
                headers=admin)
    teacher = {"Authorization": f"Bearer {teacher['token']}"}
    klass = httpx.post(f"{url}/api/v1/classes", json={"name": "ML 101"}, headers=teacher).json()
    now = datetime.now(UTC)
    competition = httpx.post(f"{url}/api/v1/classes/{klass['id']}/competitions", headers=teacher,
                             json={"challenge_id": CHALLENGE, "title": title,
                                   "opens_at": (now - timedelta(hours=1)).isoformat(),
                                   "closes_at": (now + timedelta(days=3)).isoformat(),
                                   "submissions_per_day": per_day}).json()
    ann = {"Authorization": f"Bearer {token('ann')['token']}"}
    assert httpx.post(f"{url}/api/v1/classes/join", json={"join_code": klass["join_code"]},
                      headers=ann).status_code == 200
    return competition


def _suggested_finals(output: str) -> list[str]:
    return re.findall(r"tiltyard (final \S+ \d+)", output)


def test_once_logged_in_every_learner_command_speaks_to_the_arena(arena_url, titanic_bundle,
                                                                  tmp_path):
    competition = _class_with_competition(arena_url, "Titanic spring 2026", per_day=3)
    assert competition["slug"] == "titanic-spring-2026"
    run("login", arena_url, "--username", "ann", "--password", "password-123")

    workspace = tmp_path / "ws"
    started = run("start", CHALLENGE, workspace).output
    assert arena_url in started
    assert sorted(p.name for p in workspace.iterdir()) == ["README.md", "data", "starter.ipynb",
                                                          "starter.py"]
    assert not any("answer" in p.name for p in (workspace / "data").rglob("*"))
    predictions = workspace / "submission.csv"
    predictions.write_bytes(predictions_csv(titanic_bundle, seed=4))

    practice = run("submit", CHALLENGE, predictions).output
    assert f"{arena_url}/submissions/" in practice and "Submissions left today" in practice
    suggested = _suggested_finals(practice)
    assert suggested, practice
    final = run(*suggested[0].split()).output  # what submit suggested works (it failed before)
    assert "Private Accuracy" in final and "Changes of final left on titanic-v1: 2" in final
    practice_id = int(suggested[0].split()[-1])

    history = json.loads(run("history", CHALLENGE, "--json").stdout)
    assert [(h["id"], h["final"], h["competition"]) for h in history] == [(practice_id, True, None)]
    assert history[0]["private_score"] is not None
    assert json.loads(run("report", practice_id, "--json").stdout)["private_scores"]
    board = json.loads(run("leaderboard", CHALLENGE, "--json").stdout)
    assert [r["who"] for r in board["rows"] if not r["baseline"]] == ["ann"]

    listed = run("competitions").output
    assert "Titanic spring 2026" in listed and "3 of 3" in listed
    entered = run("submit", CHALLENGE, predictions, "--competition", "titanic-spring-2026").output
    assert "stay hidden until it closes" in entered and "2 of 3" in entered
    (competition_final,) = _suggested_finals(entered)
    chosen = run(*competition_final.split()).output
    assert "Your final for Titanic spring 2026" in chosen
    mine = json.loads(run("competitions", "--json").stdout)
    assert [(c["id"], c["allowance"]["left_today"]) for c in mine] == [(competition["id"], 2)]
    competition_board = json.loads(run("leaderboard", CHALLENGE, "--competition",
                                       competition["id"], "--json").stdout)
    assert competition_board["competition_id"] == competition["id"]
    assert [r["final"] for r in competition_board["rows"] if r["who"] == "ann"] == [True]
    history = json.loads(run("history", "--json").stdout)
    assert [h["competition"] for h in history] == [None, competition["id"]]


def test_arena_errors_say_what_to_do(arena_url, titanic_bundle, tmp_path):
    _class_with_competition(arena_url, "Titanic spring 2026", per_day=3)
    predictions = tmp_path / "submission.csv"
    predictions.write_bytes(predictions_csv(titanic_bundle))
    alone = run("submit", CHALLENGE, predictions, "--competition", "1", ok=False)
    assert alone.exit_code == 2 and "tiltyard login URL" in alone.output
    assert run("competitions", ok=False).exit_code == 2

    run("login", arena_url, "--username", "ann", "--password", "password-123")
    unknown = run("submit", CHALLENGE, predictions, "--competition", "titanic-fall", ok=False)
    assert unknown.exit_code == 2
    assert "titanic-spring-2026" in unknown.output and "tiltyard competitions" in unknown.output
    missing = run("final", CHALLENGE, 52, ok=False)
    assert missing.exit_code == 2 and "There is no submission 52" in missing.output
