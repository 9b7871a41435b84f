"""The competition page is kept per viewer between changes (server/kept.py): what one
viewer may see never reaches another through it, and every change shows at once, also when
another server process on the store made it."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from arena_helpers import CHALLENGE, grade_all, login, make_instructor, predictions_csv, sign_up
from fastapi.testclient import TestClient
from sqlalchemy import update

from tiltyard.server.models import Competition
from tiltyard.store import session_scope


@pytest.fixture
def contest(client, titanic_bundle):
    """A class with two learners (lea, mia) and an open competition with teams of two; otto
    is signed in but in no class. Lea has one graded submission."""
    admin = login(client, "admin", "admin-password")
    ines = sign_up(client, "ines")
    make_instructor(client, admin, ines)
    lea, mia, otto = sign_up(client, "lea"), sign_up(client, "mia"), sign_up(client, "otto")
    klass = client.post("/api/v1/classes", json={"name": "ML 101"}, headers=ines.headers).json()
    now = datetime.now(UTC)
    competition = client.post(f"/api/v1/classes/{klass['id']}/competitions", headers=ines.headers,
                              json={"challenge_id": CHALLENGE, "max_team_size": 2,
                                    "opens_at": (now - timedelta(days=1)).isoformat(),
                                    "closes_at": (now + timedelta(days=7)).isoformat()}).json()
    for learner in (lea, mia):
        assert client.post("/api/v1/classes/join", json={"join_code": klass["join_code"]},
                           headers=learner.headers).status_code == 200
    first = _submit(client, competition["id"], lea, titanic_bundle, seed=1)
    grade_all()
    return {"id": competition["id"], "lea": lea, "mia": mia, "otto": otto, "ines": ines,
            "first": first}


def _submit(client, competition_id, account, bundle, seed) -> int:
    answer = client.post(f"/api/v1/competitions/{competition_id}/submissions",
                         files={"file": ("p.csv", predictions_csv(bundle, seed=seed), "text/csv")},
                         headers=account.headers)
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def _page(client, contest, who) -> str:
    answer = client.get(f"/competitions/{contest['id']}", headers=contest[who].headers)
    assert answer.status_code == 200, answer.text
    return answer.text


def _mine(page: str) -> str:
    """The page's 'Your submissions' table."""
    return page.split('<table id="submissions">', 1)[1].split("</table>", 1)[0]


def _allowance(page: str) -> int:
    """Submissions left today, as the page says."""
    return int(page.split('id="allowance"><strong>', 1)[1].split(" of ", 1)[0])


def _team_id(client, contest) -> int:
    teams = client.get(f"/api/v1/competitions/{contest['id']}/teams",
                       headers=contest["mia"].headers).json()
    return teams[0]["id"]


def _close(competition_id: int) -> None:
    with session_scope() as session:
        session.execute(update(Competition).where(Competition.id == competition_id)
                        .values(closes_at=datetime.now(UTC) - timedelta(minutes=1)))


def test_a_kept_page_shows_each_viewer_only_their_own_and_private_scores_after_the_close(
        client, contest):
    lea_page = _page(client, contest, "lea")
    assert f'href="/submissions/{contest["first"]}"' in _mine(lea_page)
    assert '<a href="/me">lea</a>' in lea_page
    for _ in range(2):  # the second time, from what was kept
        mia_page = _page(client, contest, "mia")
        assert "No submissions yet." in _mine(mia_page)
        assert f'/submissions/{contest["first"]}' not in mia_page
        assert '<a href="/me">mia</a>' in mia_page and '<a href="/me">lea</a>' not in mia_page
        assert '<tr class=" me">' not in mia_page  # lea's row is not marked as mia's
        assert _page(client, contest, "lea") == lea_page
    # Outside the class: missing, page and API, however often members were served.
    for path in (f"/competitions/{contest['id']}", f"/api/v1/competitions/{contest['id']}/leaderboard"):
        assert client.get(path, headers=contest["otto"].headers).status_code == 404
        assert client.get(path).status_code == 401
    # Private scores show only once the competition closes.
    board = f"/api/v1/competitions/{contest['id']}/leaderboard"
    for who in ("lea", "mia", "lea", "mia"):
        page = _page(client, contest, who)
        assert ">public accuracy<" in page and "private accuracy" not in page
        rows = client.get(board, headers=contest[who].headers).json()["rows"]
        assert all(row["private_score"] is None for row in rows)
    _close(contest["id"])
    for who in ("lea", "mia", "lea"):
        page = _page(client, contest, who)
        assert ">private accuracy<" in page and "Closed: ranked on private scores" in page
        rows = client.get(board, headers=contest[who].headers).json()["rows"]
        assert all(row["private_score"] is not None for row in rows if row["who"] == "lea")
    assert client.get(board, headers=contest["otto"].headers).status_code == 404


def test_every_change_shows_at_once(client, contest, titanic_bundle):
    allowance = _allowance(_page(client, contest, "lea"))
    _page(client, contest, "mia")
    second = _submit(client, contest["id"], contest["lea"], titanic_bundle, seed=2)
    page = _page(client, contest, "lea")
    assert f'href="/submissions/{second}"' in _mine(page) and "received" in _mine(page)
    assert _allowance(page) == allowance - 1
    grade_all()
    assert "received" not in _mine(_page(client, contest, "lea"))
    # Mia starts a team: lea's kept page lists it.
    assert client.post(f"/api/v1/competitions/{contest['id']}/teams", json={"name": "owls"},
                       headers=contest["mia"].headers).status_code == 201
    assert "owls: mia" in _page(client, contest, "lea")
    # A final choice moves the star on the kept page.
    assert client.post(f"/api/v1/submissions/{contest['first']}/final",
                       headers=contest["lea"].headers).status_code == 200
    assert "lea ★" in _page(client, contest, "lea")
    # Through another server process on the store (its own kept pages): shown here at once.
    from tiltyard.server import create_app

    other = TestClient(create_app(grade_in_background=False))
    assert other.post(f"/api/v1/competitions/{contest['id']}/teams/{_team_id(other, contest)}"
                      "/members", headers=contest["lea"].headers).status_code == 200
    assert "owls: lea, mia" in _page(client, contest, "lea")
    third = _submit(other, contest["id"], contest["lea"], titanic_bundle, seed=3)
    page = _page(client, contest, "lea")
    assert f'href="/submissions/{third}"' in _mine(page)
    # A team shares one daily allowance: mia's submission counts on lea's page.
    _submit(client, contest["id"], contest["mia"], titanic_bundle, seed=4)
    assert _allowance(_page(client, contest, "lea")) == _allowance(page) - 1


def test_forms_on_a_kept_page_carry_each_session_its_own_csrf_token(app, client, contest):
    browsers = {}
    for who in ("lea", "mia"):
        browser = browsers[who] = TestClient(app)
        login_page = browser.get("/login").text
        token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
        assert browser.post("/login", data={"username": who, "password": "password-123",
                                            "csrf_token": token}).status_code in (200, 303)
    tokens = {}
    for who in ("lea", "mia", "lea", "mia"):
        page = browsers[who].get(f"/competitions/{contest['id']}").text
        tokens.setdefault(who, set()).add(page.split('name="csrf_token" value="')[1].split('"')[0])
    assert all(len(seen) == 1 for seen in tokens.values()) and tokens["lea"] != tokens["mia"]
    created = browsers["mia"].post(f"/competitions/{contest['id']}/teams",
                                   data={"name": "owls", "csrf_token": tokens["mia"].pop()})
    assert created.status_code in (200, 303)
    assert "owls: mia" in browsers["lea"].get(f"/competitions/{contest['id']}").text


def test_a_page_requested_again_while_it_is_drawn_is_drawn_once(client, contest, monkeypatch,
                                                                 titanic_bundle):
    """A class's first look after a grade, or one learner's impatient reloads: the requests that
    arrive while the page is being drawn wait for that drawing instead of each drawing it."""
    from tiltyard.server.pages import competitions

    drawn = []
    draw = competitions._draw

    def slow_draw(*args):
        drawn.append(args[2].username)
        time.sleep(0.3)
        return draw(*args)

    monkeypatch.setattr(competitions, "_draw", slow_draw)
    # The page says when the daily allowance resets, to the minute: a minute ticking over
    # during the test is a change of the page, not the one this test is about.
    monkeypatch.setattr(competitions, "in_words", lambda seconds: "4 h")
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: _page(client, contest, "lea"), range(8)))
    assert drawn == ["lea"]
    # The same page, each with its own session's CSRF token (these requests carry no cookie).
    assert len({re.sub(r'name="csrf_token" value="[^"]+"', "", page) for page in pages}) == 1
    assert f'href="/submissions/{contest["first"]}"' in _mine(pages[0])
    # Another learner's upload (not a team-mate's) leaves lea's page as it was drawn.
    _submit(client, contest["id"], contest["mia"], titanic_bundle, seed=2)
    assert _page(client, contest, "lea") and drawn == ["lea"]
    # Another viewer's page is theirs, drawn for them.
    assert "received" in _mine(_page(client, contest, "mia")) and drawn == ["lea", "mia"]


def test_a_viewer_who_waited_on_a_drawing_of_other_contents_draws_their_own():
    from tiltyard.server.kept import Kept

    kept, started, drawn = Kept(), threading.Event(), []

    def draw(body):
        def run():
            drawn.append(body)
            started.set()
            time.sleep(0.2)
            return body
        return run

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(kept.get, ("p", 1), ("before",), 0, draw("before"))
        started.wait(5)
        second = pool.submit(kept.get, ("p", 1), ("after",), 0, draw("after"))
        assert (first.result(), second.result()) == ("before", "after")
    assert drawn == ["before", "after"]
    assert kept.get(("p", 1), ("after",), 0, draw("never")) == "after"


def test_a_page_that_only_lags_the_grades_is_served_as_kept_while_it_is_drawn_anew():
    """After a grade, one request draws the page; the viewer's others meanwhile get the page as
    it was (it lags the grades by at most the refresh interval and that one drawing)."""
    from tiltyard.server.kept import Kept
    from tiltyard.server.settings import get_arena_settings

    kept, drawing = Kept(), threading.Event()

    def slow_draw():
        drawing.set()
        time.sleep(0.3)
        return "after the grade"

    assert kept.get(("p", 1), ("shown",), 1, lambda: "before") == "before"
    time.sleep(get_arena_settings().leaderboard_refresh_seconds + 0.05)
    with ThreadPoolExecutor(1) as pool:
        redraw = pool.submit(kept.get, ("p", 1), ("shown",), 2, slow_draw)
        drawing.wait(5)
        started = time.monotonic()
        assert kept.get(("p", 1), ("shown",), 2, lambda: "a second drawing") == "before"
        assert time.monotonic() - started < 0.1  # not queued behind the drawing
        assert redraw.result() == "after the grade"
    assert kept.get(("p", 1), ("shown",), 2, lambda: "a second drawing") == "after the grade"
    # What the page shows changed (not only the grades): never served from before.
    assert kept.get(("p", 1), ("other",), 2, lambda: "drawn for it") == "drawn for it"
