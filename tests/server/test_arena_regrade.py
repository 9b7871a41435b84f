"""The admin regrades a challenge on its new version: the class's competition and entries follow,
every stored submission is graded again, and the report and board show which bundle each score
came from (the old grade kept beside the new)."""

from __future__ import annotations

import pytest
from arena_helpers import catalog_of_its_own, grade_all, login, predictions_csv, sign_up
from bundle_versions import new_version
from test_api import _class_with_competition


@pytest.fixture
def versions(arena_home, titanic_bundle, tmp_path, monkeypatch):
    catalog = catalog_of_its_own(titanic_bundle, tmp_path / "arena-catalog", monkeypatch)
    return titanic_bundle, new_version(titanic_bundle, catalog)


@pytest.fixture
def app(versions):
    from tiltyard.server import create_app

    return create_app(grade_in_background=False)


def test_the_admin_regrades_and_the_competition_follows_the_new_version(client, versions):
    v1, v2 = versions
    teacher, klass, comp = _class_with_competition(client)
    admin = login(client, "admin", "admin-password")
    ann = sign_up(client, "ann")
    client.post("/api/v1/classes/join", json={"join_code": klass["join_code"]}, headers=ann.headers)
    sent = client.post(f"/api/v1/competitions/{comp['id']}/submissions", headers=ann.headers,
                       files={"file": ("p.csv", predictions_csv(v1, value=0.0), "text/csv")}).json()
    grade_all()
    before = client.get(f"/api/v1/submissions/{sent['id']}/report", headers=ann.headers).json()

    assert client.post("/api/v1/admin/regrade", json={"challenge_id": "titanic-v1"},
                       headers=teacher.headers).status_code == 403
    response = client.post("/api/v1/admin/regrade", json={"challenge_id": "titanic-v1"},
                           headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["to_id"], body["to_hash"]) == ("titanic-v2", v2.hash)
    assert body["regraded"][0]["old_bundle_hash"] == v1.hash

    moved = client.get(f"/api/v1/competitions/{comp['id']}", headers=ann.headers).json()
    assert moved["challenge_id"] == "titanic-v2"
    report = client.get(f"/api/v1/submissions/{sent['id']}/report", headers=ann.headers).json()
    assert report["bundle_hash"] == v2.hash
    assert report["public_scores"] != before["public_scores"]  # the fixed answers count
    earlier = report["earlier_grades"]
    assert [(g["bundle_hash"], g["public_score"]) for g in earlier] == \
        [(v1.hash, before["public_scores"]["accuracy"])]
    assert earlier[0]["private_score"] is None  # the competition is open: private stays hidden
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=ann.headers).json()
    assert {row["bundle_hash"] for row in board["rows"]} == {v2.hash}
    page = client.get(f"/submissions/{sent['id']}", headers=ann.headers).text
    assert v1.hash[:12] in page and v2.hash[:12] in page


def test_regrading_onto_another_challenge_is_refused_and_nothing_moves(client, versions):
    admin = login(client, "admin", "admin-password")
    response = client.post("/api/v1/admin/regrade", json={"challenge_id": "titanic-v1",
                                                          "to": "no-such-v9"}, headers=admin.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "challenge_not_found"
