"""The daily limit holds when many uploads arrive at once: the count and the insert are one
transaction, taken in turn per entrant, on SQLite and on PostgreSQL. The uploads run through
the app's thread pool at the same moment (a barrier releases them together)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from arena_helpers import CHALLENGE, class_with_competition, join_class, predictions_csv, sign_up
from fastapi.testclient import TestClient

UPLOADS = 16


@pytest.fixture
def limited_client(arena_home, monkeypatch):
    from tiltyard.server import create_app
    from tiltyard.server.settings import get_arena_settings

    monkeypatch.setenv("TILTYARD_PRACTICE_SUBMISSIONS_PER_DAY", "4")
    get_arena_settings.cache_clear()
    with TestClient(create_app(grade_in_background=False)) as client:
        yield client


def _all_at_once(client, jobs: list[tuple[str, dict]], content: bytes) -> list:
    """POST every (path, headers) at the same moment, each from its own thread."""
    start = threading.Barrier(len(jobs))

    def upload(job):
        path, headers = job
        start.wait()
        return client.post(path, headers=headers,
                           files={"file": ("predictions.csv", content, "text/csv")})

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(upload, jobs))


def _refusals_say_when_the_limit_resets(answers, limit: int) -> None:
    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code != 202]
    assert len(accepted) == limit, [a.status_code for a in answers]
    assert len({a.json()["id"] for a in accepted}) == limit
    for answer in refused:
        assert answer.status_code == 429, answer.text
        body = answer.json()
        assert body["code"] == "rate_limited"
        assert body["expected"].startswith(f"at most {limit} a day (UTC)")
        assert "resets at 00:00 UTC" in body["hint"]
        assert 0 < int(answer.headers["Retry-After"]) <= 24 * 3600


def test_concurrent_practice_uploads_accept_exactly_the_daily_limit(limited_client,
                                                                      titanic_bundle):
    ann = sign_up(limited_client, "ann")
    path = f"/api/v1/challenges/{CHALLENGE}/submissions"
    answers = _all_at_once(limited_client, [(path, ann.headers)] * UPLOADS,
                           predictions_csv(titanic_bundle))
    _refusals_say_when_the_limit_resets(answers, 4)
    mine = limited_client.get("/api/v1/submissions", headers=ann.headers).json()
    assert len(mine) == 4
    allowance = limited_client.get(f"/api/v1/challenges/{CHALLENGE}/allowance",
                                   headers=ann.headers).json()
    assert (allowance["used_today"], allowance["left_today"]) == (4, 0)


def test_a_team_uploading_from_two_accounts_at_once_shares_one_limit(limited_client,
                                                                      titanic_bundle):
    client = limited_client
    _teacher, klass, comp = class_with_competition(client, CHALLENGE, days_open=1, submissions_per_day=3,
                                                   max_team_size=2)
    ann, bob = join_class(client, klass, "ann"), join_class(client, klass, "bob")
    team = client.post(f"/api/v1/competitions/{comp['id']}/teams", json={"name": "owls"},
                       headers=ann.headers).json()
    client.post(f"/api/v1/competitions/{comp['id']}/teams/{team['id']}/members",
                headers=bob.headers)
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    answers = _all_at_once(client, [(path, (ann, bob)[n % 2].headers) for n in range(UPLOADS)],
                           predictions_csv(titanic_bundle))
    _refusals_say_when_the_limit_resets(answers, 3)
