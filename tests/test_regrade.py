"""`tiltyard regrade ID`: every stored submission graded again on the new version, each old
grade kept beside the new one with the bundle hash it came from (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from bundle_versions import copy_bundle, new_version, renamed
from typer.testing import CliRunner

from tiltyard.challenges.registry import get_bundle
from tiltyard.cli import app
from tiltyard.config import get_settings
from tiltyard.errors import SubmissionError
from tiltyard.regrade import newest_version, regrade
from tiltyard.store import Submission, SubmissionGrade, session_scope
from tiltyard.submissions import get_report, leaderboard, submit_file


@pytest.fixture
def versions(store_home, tmp_path, monkeypatch):
    """titanic-v1 and a titanic-v2 with some public answers fixed, in a catalog of this test's own."""
    practice = get_bundle("titanic-v1")  # built once in the session's catalog
    catalog = tmp_path / "catalog"
    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(catalog))
    get_settings.cache_clear()
    v1 = copy_bundle(practice, catalog)
    return v1, new_version(v1, catalog)


def submit_two(v1, tmp_path):
    good = submit_file("titanic-v1", v1.public_file("sample_submission.csv"), owner="ada")
    broken = tmp_path / "broken.csv"
    broken.write_text("passenger_id,survived\n1,maybe\n")
    bad = submit_file("titanic-v1", broken, owner="ada")
    return good, bad


def test_every_submission_is_graded_again_and_the_old_grade_kept(versions, tmp_path):
    v1, v2 = versions
    good, bad = submit_two(v1, tmp_path)
    assert newest_version("titanic-v1") == "titanic-v2"
    result = regrade("titanic-v1")
    assert (result.to_id, result.to_hash) == ("titanic-v2", v2.hash)
    by_id = {r.submission_id: r for r in result.regraded}
    assert by_id[good.submission_id].old_bundle_hash == v1.hash
    assert by_id[good.submission_id].old_public_score == good.public_score
    assert by_id[good.submission_id].new_public_score != good.public_score  # answers were fixed
    assert by_id[bad.submission_id].new_status == "rejected"
    report = get_report(good.submission_id)
    assert report.challenge_id == "titanic-v2" and report.bundle_hash == v2.hash
    assert [(g.challenge_id, g.bundle_hash, g.public_score) for g in report.earlier_grades] == \
        [("titanic-v1", v1.hash, good.public_score)]
    assert report.earlier_grades[0].private_score is None  # not final: stays hidden
    board = {e["submission_id"]: e for e in leaderboard("titanic-v2")}
    assert board[good.submission_id]["bundle_hash"] == v2.hash
    assert all(e["bundle_hash"] == v2.hash for e in board.values())


def test_a_second_regrade_changes_nothing(versions, tmp_path):
    v1, _v2 = versions
    submit_two(v1, tmp_path)
    regrade("titanic-v1")
    again = regrade("titanic-v2")
    assert again.regraded == [] and again.unchanged == 2
    with session_scope() as session:
        assert session.query(SubmissionGrade).count() == 2


def test_a_target_of_another_challenge_is_refused_and_nothing_moves(versions, tmp_path):
    v1, _v2 = versions
    good, _bad = submit_two(v1, tmp_path)
    renamed(v1, v1.root.parent, "shipwreck-v2")
    with pytest.raises(SubmissionError, match="shipwreck-v2 is not a version of titanic-v1"):
        regrade("titanic-v1", to="shipwreck-v2")
    with session_scope() as session:
        row = session.get(Submission, good.submission_id)
        assert (row.challenge_id, row.bundle_hash, row.status) == ("titanic-v1", v1.hash, "graded")


def test_the_cli_regrades_and_shows_the_bundle_hashes(versions, tmp_path):
    v1, v2 = versions
    good, _bad = submit_two(v1, tmp_path)
    result = CliRunner().invoke(app, ["regrade", "titanic-v1", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["to_id"] == "titanic-v2" and len(body["regraded"]) == 2
    shown = CliRunner().invoke(app, ["report", str(good.submission_id)])
    assert f"Graded on bundle {v2.hash[:12]}" in shown.stdout
    assert f"titanic-v1 bundle {v1.hash[:12]}" in shown.stdout
