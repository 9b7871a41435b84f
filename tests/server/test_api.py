"""The arena's behaviour through its API: competitions, leaderboards, limits, teams, grades."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from arena_helpers import (
    CHALLENGE,
    class_with_competition,
    grade_all,
    join_class,
    login,
    predictions_csv,
    sign_up,
)
from sqlalchemy import update

ERROR_FIELDS = {"code", "message", "expected", "got", "hint"}


def _class_with_competition(client, *, days_open=7, **competition):
    return class_with_competition(client, CHALLENGE, days_open=days_open, **competition)


_join = join_class


def _submit(client, account, path, content, name="predictions.csv"):
    return client.post(path, files={"file": (name, content, "text/csv")}, headers=account.headers)


def test_practice_submission_is_stored_then_graded_and_ranked_with_baselines(client, titanic_bundle):
    ann = sign_up(client, "ann")
    response = _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions",
                       predictions_csv(titanic_bundle, seed=1))
    assert response.status_code == 202 and response.json()["status"] == "received"
    assert grade_all() == 1
    submission = client.get(f"/api/v1/submissions/{response.json()['id']}", headers=ann.headers).json()
    assert submission["status"] == "graded" and submission["public_score"] is not None
    report = client.get(f"/api/v1/submissions/{submission['id']}/report", headers=ann.headers).json()
    assert report["private_scores"] is None and report["ladder"]
    board = client.get(f"/api/v1/challenges/{CHALLENGE}/leaderboard").json()
    assert [r["who"] for r in board["rows"] if not r["baseline"]] == ["ann"]
    assert len([r for r in board["rows"] if r["baseline"]]) == len(titanic_bundle.manifest.baselines)
    final = client.post(f"/api/v1/submissions/{submission['id']}/final", headers=ann.headers).json()
    assert final["final"] is True
    report = client.get(f"/api/v1/submissions/{submission['id']}/report", headers=ann.headers).json()
    assert report["private_scores"]  # revealed once chosen, as in the CLI


def test_a_bad_file_is_rejected_with_the_reason(client):
    ann = sign_up(client, "ann")
    response = _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions", b"a,b\n1,2\n")
    grade_all()
    submission = client.get(f"/api/v1/submissions/{response.json()['id']}", headers=ann.headers).json()
    assert submission["status"] == "rejected" and submission["error_code"]
    report = client.get(f"/api/v1/submissions/{submission['id']}/report", headers=ann.headers).json()
    assert report["error"]["expected"]


def test_competition_ties_go_to_the_earlier_submission_and_private_scores_wait_for_the_close(
        client, titanic_bundle, arena_home):
    teacher, klass, comp = _class_with_competition(client)
    ann, bob = _join(client, klass, "ann"), _join(client, klass, "bob")
    same = predictions_csv(titanic_bundle, value=0.0)
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    assert _submit(client, ann, path, same).status_code == 202
    assert _submit(client, bob, path, same).status_code == 202
    grade_all()
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=bob.headers).json()
    people = [r for r in board["rows"] if not r["baseline"]]
    assert board["scoring"] == "public" and [r["who"] for r in people] == ["ann", "bob"]
    assert people[0]["score"] == people[1]["score"] and people[0]["rank"] < people[1]["rank"]
    assert all(r["private_score"] is None for r in board["rows"])
    mine = client.get("/api/v1/submissions", headers=ann.headers).json()[0]
    assert client.get(f"/api/v1/submissions/{mine['id']}/report",
                      headers=ann.headers).json()["private_scores"] is None
    _close(comp["id"])
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=bob.headers).json()
    assert board["scoring"] == "private"
    assert all(r["private_score"] is not None for r in board["rows"])
    assert _submit(client, ann, path, same).status_code == 403  # closed
    grades = list(csv.DictReader(io.StringIO(client.get(
        f"/api/v1/classes/{klass['id']}/grades.csv", headers=teacher.headers).text)))
    assert {g["username"] for g in grades} == {"ann", "bob"}
    assert all(g["final_private"] and g["state"] == "closed" for g in grades)


def _close(competition_id):
    from tiltyard.server.models import Competition
    from tiltyard.store import session_scope

    with session_scope() as session:
        session.execute(update(Competition).where(Competition.id == competition_id).values(
            closes_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_per_day_limit_is_shared_by_a_team(client, titanic_bundle):
    _teacher, klass, comp = _class_with_competition(client, submissions_per_day=2, max_team_size=2)
    ann, bob, cy = (_join(client, klass, n) for n in ("ann", "bob", "cyd"))
    team = client.post(f"/api/v1/competitions/{comp['id']}/teams", json={"name": "owls"},
                       headers=ann.headers).json()
    assert client.post(f"/api/v1/competitions/{comp['id']}/teams/{team['id']}/members",
                       headers=bob.headers).json()["members"] == ["ann", "bob"]
    full = client.post(f"/api/v1/competitions/{comp['id']}/teams/{team['id']}/members", headers=cy.headers)
    assert full.status_code == 409 and set(full.json()) == ERROR_FIELDS
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    content = predictions_csv(titanic_bundle)
    assert _submit(client, ann, path, content).status_code == 202
    assert _submit(client, bob, path, content).status_code == 202
    third = _submit(client, bob, path, content)
    assert third.status_code == 429 and "Retry-After" in third.headers
    assert third.json()["expected"].startswith("at most 2 a day (UTC)")
    grade_all()
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=cy.headers).json()
    assert [r["who"] for r in board["rows"] if not r["baseline"]] == ["team: owls"]


def test_a_rejected_file_uses_no_daily_submission_and_every_count_agrees(client, titanic_bundle):
    teacher, klass, comp = _class_with_competition(client, submissions_per_day=2)
    ann = _join(client, klass, "ann")
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    bad = _submit(client, ann, path, b"a,b\n1,2\n")
    grade_all()
    assert client.get(f"/api/v1/submissions/{bad.json()['id']}",
                      headers=ann.headers).json()["status"] == "rejected"
    for seed in (1, 2):  # both still fit: the rejected file cost nothing
        assert _submit(client, ann, path, predictions_csv(titanic_bundle, seed=seed)).status_code == 202
    page = client.get(f"/competitions/{comp['id']}", headers={**ann.headers, "accept": "text/html"})
    assert "0 of 2</strong> submissions left today" in page.text
    refused = _submit(client, ann, path, predictions_csv(titanic_bundle, seed=3))
    assert refused.status_code == 429
    hint = refused.json()["hint"]
    assert re.search(r"resets at 00:00 UTC, in (\d+ h( \d+ min)?|\d+ min|\d+ s)\b", hint), hint
    assert not re.search(r"Wait \d+ s", hint)
    grade_all()
    mine = client.get("/api/v1/submissions", headers=ann.headers).json()
    assert sorted(s["status"] for s in mine) == ["graded", "graded", "rejected"]  # still stored

    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=ann.headers).json()
    on_board = next(r["submissions"] for r in board["rows"] if r["who"] == "ann")
    dashboard = client.get(f"/api/v1/classes/{klass['id']}/dashboard", headers=teacher.headers).json()
    standing = dashboard["competitions"][0]["standings"][0]
    grades = next(csv.DictReader(io.StringIO(client.get(
        f"/api/v1/classes/{klass['id']}/grades.csv", headers=teacher.headers).text)))
    assert on_board == standing["submissions"] == int(grades["submissions"]) == 2
    assert standing["rejected"] == int(grades["rejected"]) == 1
    listed = client.get("/api/v1/competitions?state=open", headers=ann.headers).json()
    assert [(c["id"], c["allowance"]["left_today"]) for c in listed] == [(comp["id"], 0)]


def test_the_challenge_page_shows_practice_submissions_left_today(client, titanic_bundle):
    ann = sign_up(client, "ann")
    limit = titanic_bundle.manifest.budget.submissions_per_day
    _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions", predictions_csv(titanic_bundle))
    page = client.get(f"/challenges/{CHALLENGE}", headers={**ann.headers, "accept": "text/html"})
    assert f"{limit - 1} of {limit}</strong> submissions left today" in page.text
    allowance = client.get(f"/api/v1/challenges/{CHALLENGE}/allowance", headers=ann.headers).json()
    assert (allowance["used_today"], allowance["left_today"]) == (1, limit - 1)


def test_switching_practice_finals_reveals_at_most_three_private_scores(client, titanic_bundle):
    from tiltyard.submissions import FINAL_CHANGES_PER_CHALLENGE

    ann = sign_up(client, "ann")
    ids = [_submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions",
                   predictions_csv(titanic_bundle, seed=seed)).json()["id"] for seed in range(5)]
    grade_all()
    client.get(f"/api/v1/challenges/{CHALLENGE}/leaderboard")  # cached before the changes
    seen, refused = set(), []
    for submission_id in ids + ids[:1]:  # try every one as final, then go back to the first
        chosen = client.post(f"/api/v1/submissions/{submission_id}/final", headers=ann.headers)
        if chosen.status_code != 200:
            refused.append(chosen.json())
        for other in ids:  # read every report after each choice
            report = client.get(f"/api/v1/submissions/{other}/report", headers=ann.headers).json()
            if report["private_scores"]:
                seen.add(other)
    assert FINAL_CHANGES_PER_CHALLENGE == 2
    assert seen == set(ids[:3])  # the first final and two changes, no more
    assert len(refused) == 2 and {r["code"] for r in refused} == {"final_changes_used"}
    assert "changed 2 times per challenge" in refused[0]["expected"]
    assert f"#{ids[0]}, #{ids[1]}, #{ids[2]}" in refused[0]["expected"]
    assert f"tiltyard final {CHALLENGE} {ids[2]}" in refused[0]["hint"]
    assert client.get(f"/api/v1/submissions/{ids[0]}", headers=ann.headers).json()["final"]
    board = client.get(f"/api/v1/challenges/{CHALLENGE}/leaderboard").json()
    assert next(r["final_changes"] for r in board["rows"] if r["who"] == "ann") == 2
    page = client.get(f"/challenges/{CHALLENGE}/leaderboard", headers={"accept": "text/html"})
    assert "final changed 2×" in page.text


def test_upload_limit_and_submission_rate_limit(client, arena_home, monkeypatch):
    from tiltyard.config import get_settings

    ann = sign_up(client, "ann")
    monkeypatch.setenv("TILTYARD_MAX_SUBMISSION_MB", "0.01")
    get_settings.cache_clear()
    big = _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions", b"x" * 200_000)
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large"
    client.app.state.submit_limiter.limit = 1
    assert _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions", b"a\n").status_code == 202
    limited = _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions", b"a\n")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


def test_login_is_rate_limited_and_errors_share_one_shape(client):
    client.app.state.login_limiter.limit = 3
    answers = [client.post("/api/v1/auth/tokens", json={"username": "nobody", "password": "wrong"})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60  # when the oldest of the 3 leaves
    for answer in answers + [client.get("/api/v1/nothing-here"),
                             client.post("/api/v1/auth/signup", json={"username": "x"})]:
        assert set(answer.json()) == ERROR_FIELDS, answer.json()


def test_sign_up_in_the_browser_without_javascript(client):
    page = client.get("/signup")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/signup", data={"username": "Dee", "password": "password-123",
                                            "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me"
    assert "dee" in client.get("/me").text


def test_cached_competition_board_follows_grades_final_choices_and_the_close(
        client, titanic_bundle):
    from tiltyard.server import leaderboards
    from tiltyard.server.models import Competition
    from tiltyard.store import session_scope

    _teacher, klass, comp = _class_with_competition(client)
    ann, bob = _join(client, klass, "ann"), _join(client, klass, "bob")
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    board_url = f"/api/v1/competitions/{comp['id']}/leaderboard"

    def people(account):
        board = client.get(board_url, headers=account.headers).json()
        return board["scoring"], [(r["who"], r["submission_id"], r["final"], r["private_score"])
                                  for r in board["rows"] if not r["baseline"]]

    assert _submit(client, ann, path, predictions_csv(titanic_bundle, value=0.0)).status_code == 202
    grade_all()
    assert people(bob) == ("public", [("ann", people(bob)[1][0][1], False, None)])
    with session_scope() as session:  # a board read twice without a change is one computation
        competition = session.get(Competition, comp["id"])
        assert leaderboards.competition_board(session, competition) is \
            leaderboards.competition_board(session, competition)
    # A new grade shows on the cached board.
    assert _submit(client, bob, path, predictions_csv(titanic_bundle, value=0.0)).status_code == 202
    assert [who for who, *_ in people(ann)[1]] == ["ann"]  # received, not graded yet
    grade_all()
    assert [who for who, *_ in people(ann)[1]] == ["ann", "bob"]
    assert "<td>bob" in client.get(f"/competitions/{comp['id']}", headers=ann.headers).text
    # So does a final choice: ann's second submission, chosen, is her row.
    second = _submit(client, ann, path, predictions_csv(titanic_bundle, seed=3)).json()["id"]
    grade_all()
    assert client.post(f"/api/v1/submissions/{second}/final", headers=ann.headers).status_code == 200
    rows = dict((who, (sid, final)) for who, sid, final, _ in people(bob)[1])
    assert rows["ann"] == (second, True)
    # The close turns the board private at once, with no grade in between.
    _close(comp["id"])
    scoring, rows = people(bob)
    assert scoring == "private" and all(private is not None for *_, private in rows)
    assert "Closed: ranked on private scores" in client.get(
        f"/competitions/{comp['id']}", headers=bob.headers).text
    # A viewer outside the class still sees nothing, cached board or not.
    outsider = sign_up(client, "eve")
    assert client.get(board_url, headers=outsider.headers).status_code == 404
    assert client.get(f"/competitions/{comp['id']}", headers=outsider.headers).status_code in (302, 303, 404)


def test_the_last_admin_cannot_be_demoted(client):
    admin = login(client, "admin", "admin-password")
    response = client.patch(f"/api/v1/users/{admin.id}", json={"role": "learner"},
                            headers=admin.headers)
    assert response.status_code == 409, response.text
    error = response.json()
    assert ERROR_FIELDS <= set(error) and "only admin" in error["message"]
    assert "another" in error["hint"] and error["expected"] and error["got"]
    assert client.get("/api/v1/users/me", headers=admin.headers).json()["role"] == "admin"

    deputy = sign_up(client, "deputy")
    assert client.patch(f"/api/v1/users/{deputy.id}", json={"role": "admin"},
                        headers=admin.headers).status_code == 200
    response = client.patch(f"/api/v1/users/{admin.id}", json={"role": "learner"},
                            headers=admin.headers)
    assert response.status_code == 200 and response.json()["role"] == "learner"
