"""`tiltyard backup PATH` then `tiltyard restore PATH` into an empty home gives back the same
history, boards and reports, on SQLite and PostgreSQL; a non-empty home or a changed file is
refused with what to do."""

from __future__ import annotations

from arena_helpers import CHALLENGE, grade_all, predictions_csv, sign_up
from fastapi.testclient import TestClient
from test_api import _class_with_competition, _join, _submit
from test_cli import run


def _what_a_user_sees(client, people, comp_id) -> dict:
    """Everything a learner or teacher would notice changed: every submission with its report
    and file, both boards, and the report files on disk."""
    from tiltyard.config import get_settings

    seen = {"boards": [client.get(f"/api/v1/competitions/{comp_id}/leaderboard",
                                  headers=people[0].headers).json(),
                       client.get(f"/api/v1/challenges/{CHALLENGE}/leaderboard").json()]}
    for person in people:
        for row in client.get("/api/v1/submissions", headers=person.headers).json():
            sid = row["id"]
            seen[sid] = (row, client.get(f"/api/v1/submissions/{sid}/report",
                                         headers=person.headers).json(),
                         client.get(f"/api/v1/submissions/{sid}/file",
                                    headers=person.headers).content)
    reports = get_settings().reports_dir
    seen["report files"] = {p.name: p.read_text() for p in sorted(reports.glob("*.json"))}
    return seen


def _fresh_home(monkeypatch, tmp_path, name):
    from sqlalchemy import inspect, text

    from tiltyard.config import get_settings
    from tiltyard.store import get_engine

    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / name))
    get_settings.cache_clear()
    if get_settings().database_url:  # the test's one PostgreSQL database: every table emptied
        with get_engine().begin() as connection:
            tables = ", ".join(f'"{t}"' for t in inspect(connection).get_table_names()
                               if t != "alembic_version")
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def test_backup_and_restore_give_back_history_boards_and_reports(client, titanic_bundle,
                                                                  monkeypatch, tmp_path):
    from tiltyard.server import create_app

    _teacher, klass, comp = _class_with_competition(client)
    ann, bob = _join(client, klass, "ann"), _join(client, klass, "bob")
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    for seed, person in enumerate((ann, bob, ann)):
        assert _submit(client, person, path, predictions_csv(titanic_bundle, seed=seed)
                       ).status_code == 202
    _submit(client, bob, path, b"not,a\nprediction,file\n")  # rejected, with its reason
    practice = _submit(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions",
                       predictions_csv(titanic_bundle, seed=7)).json()["id"]
    grade_all()
    assert client.post(f"/api/v1/submissions/{practice}/final",
                       headers=ann.headers).status_code == 200
    before = _what_a_user_sees(client, [ann, bob], comp["id"])
    assert len(before) == 1 + 5 + 1 and before["report files"]

    backup = tmp_path / "backup"
    assert "restore it with" in run("backup", backup).output
    _fresh_home(monkeypatch, tmp_path, "restored")
    assert "Restored 5 submissions" in run("restore", backup).output
    with TestClient(create_app(grade_in_background=False)) as restored:
        assert _what_a_user_sees(restored, [ann, bob], comp["id"]) == before
        # The restored arena goes on: a new submission is stored and graded there.
        carol = sign_up(restored, "carol")
        assert _submit(restored, carol, f"/api/v1/challenges/{CHALLENGE}/submissions",
                       predictions_csv(titanic_bundle)).status_code == 202
        assert grade_all() == 1

    again = run("restore", backup, ok=False)  # the home holds a store now
    assert again.exit_code != 0 and "is not empty" in again.output
    assert "fresh home" in again.output

    (backup / "reports" / f"{practice}.json").write_text("{}")
    _fresh_home(monkeypatch, tmp_path, "tampered")
    changed = run("restore", backup, ok=False)
    assert changed.exit_code != 0 and "does not match its manifest" in changed.output
    assert f"reports/{practice}.json differs" in changed.output
