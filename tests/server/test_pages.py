"""What the pages say: boards that describe how they rank, empty pages that say what to do."""

from __future__ import annotations

from arena_helpers import CHALLENGE, login, make_instructor, sign_up
from test_api import _class_with_competition


def test_the_practice_board_does_not_promise_a_close(client):
    text = client.get(f"/challenges/{CHALLENGE}/leaderboard").text
    assert "once it closes" not in text and "never closes" in text


def test_a_competition_board_says_the_private_scores_rank_at_the_close(client):
    teacher, _klass, comp = _class_with_competition(client)
    text = client.get(f"/competitions/{comp['id']}", headers=teacher.headers).text
    assert "when the competition closes" in text and "private score" in text


def test_empty_class_pages_say_what_to_do_next(client):
    admin = login(client, "admin", "admin-password")
    teacher = sign_up(client, "teacher")
    make_instructor(client, admin, teacher)
    klass = client.post("/api/v1/classes", json={"name": "ML"}, headers=teacher.headers).json()
    text = client.get(f"/classes/{klass['id']}", headers=teacher.headers).text
    assert "No learners yet" in text and text.count(klass["join_code"]) >= 2
    assert "No competitions yet. Create one below" in text
    assert "The dashboard fills in once a competition exists" in text

    learner = sign_up(client, "lea")
    assert "Enter the join code your instructor gave you" in \
        client.get("/me", headers=learner.headers).text
    client.post("/api/v1/classes/join", json={"join_code": klass["join_code"]},
                headers=learner.headers)
    text = client.get(f"/classes/{klass['id']}", headers=learner.headers).text
    assert "Your instructor opens them here" in text and 'href="/"' in text
