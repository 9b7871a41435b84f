"""Agent challenges in the arena: policy folders handed in to practice and to a class
competition, graded through the durable queue, ranked on the boards; the sealed seeds' figures
wait for a final choice (practice) or the close (competition); bad policies come back classed."""

from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from agent_bundles import LEAN, build_tiny
from arena_helpers import arena_client, class_with_competition, grade_all, join_class, sign_up
from sqlalchemy import update

from tiltyard.challenges.instance import read_or_create
from tiltyard.runner.sandbox import bubblewrap_problem

pytestmark = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")

CHALLENGE = "tiny-cartpole-v1"
RANDOM_LIKE = """
def make_policy(observation_space, action_space):
    class Left:
        def act(self, observation):
            return 0
    return Left()
"""
BAD_POLICIES = {
    "no_make_policy": ("def act(observation):\n    return 0\n", "exception", "does not define make_policy"),
    "outside_the_space": (RANDOM_LIKE.replace("return 0", "return 7"), "invalid_output", "outside the action space"),
    "hangs": ("import time\n" + RANDOM_LIKE.replace("return 0", "time.sleep(60)"), "timeout", "per-step limit"),
}


@pytest.fixture(scope="session")
def agent_catalog(arena_catalog):
    """The tiny CartPole bundle built as the tests' arena builds (its instance seed), in a
    catalog folder of its own."""
    catalog, seed_file = arena_catalog
    bundle = build_tiny(catalog.parent / "agent-catalog", instance=read_or_create(seed_file))
    return bundle, seed_file


@pytest.fixture
def lean(agent_catalog):
    """The lean rung's (public, private) scores on the arena's instance."""
    entry = agent_catalog[0].manifest.baseline("lean")
    return entry.public_score, entry.private_score


@pytest.fixture
def client(store_home, monkeypatch, agent_catalog):
    bundle, seed_file = agent_catalog
    yield from arena_client(store_home, monkeypatch, bundle.root.parent, seed_file)


def zipped_policy(source: str, *, top: str = "policy", **files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}/policy.py", source)
        for name, text in files.items():
            archive.writestr(f"{top}/{name}", text)
    return buffer.getvalue()


def tarred_policy(source: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = source.encode()
        info = tarfile.TarInfo("policy/policy.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def send(client, account, path, name, content):
    response = client.post(path, files={"file": (name, content)}, headers=account.headers)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def competition(client):
    return class_with_competition(client, CHALLENGE, submissions_per_day=3)


def close(competition_id):
    from tiltyard.server.models import Competition
    from tiltyard.store import session_scope

    with session_scope() as session:
        session.execute(update(Competition).where(Competition.id == competition_id).values(
            closes_at=datetime.now(UTC) - timedelta(seconds=1)))


def report_of(client, account, submission_id):
    return client.get(f"/api/v1/submissions/{submission_id}/report", headers=account.headers).json()


def html_of(client, account, path):
    return client.get(path, headers={**account.headers, "accept": "text/html"}).text


def page_of(client, account, submission_id):
    return html_of(client, account, f"/submissions/{submission_id}")


def section_names(report):
    return [section["name"] for section in report["sections"]]


def test_a_competition_ranks_policy_folders_and_shows_the_sealed_seeds_only_at_the_close(client, lean):
    teacher, klass, comp = competition(client)
    ann, bob = join_class(client, klass, "ann"), join_class(client, klass, "bob")
    path = f"/api/v1/competitions/{comp['id']}/submissions"
    ann_id = send(client, ann, path, "lean.zip", zipped_policy(LEAN))
    bob_id = send(client, bob, path, "left.tar.gz", tarred_policy(RANDOM_LIKE))
    assert grade_all() == 2

    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=bob.headers).json()
    people = [row for row in board["rows"] if not row["baseline"]]
    assert board["scoring"] == "public" and board["metric"] == "mean_return"
    assert [row["who"] for row in people] == ["ann", "bob"]
    assert people[0]["score"] == pytest.approx(lean[0], abs=1e-6)
    assert all(row["private_score"] is None for row in board["rows"])
    assert {row["who"] for row in board["rows"] if row["baseline"]} == {"baseline: random", "baseline: lean"}

    assert client.post(f"/api/v1/submissions/{ann_id}/final", headers=ann.headers).json()["final"] is True
    report = report_of(client, ann, ann_id)
    assert report["private_scores"] is None and "private_episodes" not in section_names(report)
    assert "sealed private seeds" not in page_of(client, ann, ann_id)

    close(comp["id"])
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=bob.headers).json()
    assert board["scoring"] == "private"
    people = {row["who"]: row for row in board["rows"] if not row["baseline"]}
    assert people["ann"]["score"] == people["ann"]["private_score"] == pytest.approx(lean[1], abs=1e-6)
    assert people["ann"]["final"] and people["bob"]["private_score"] is not None
    report = report_of(client, ann, ann_id)
    assert report["private_scores"]["mean_return"] == people["ann"]["private_score"]
    assert "private_episodes" in section_names(report)
    private = next(s for s in report["sections"] if s["name"] == "private_episodes")["data"]
    assert len(private["phases"][0]["returns"]) == 4 and private["phases"][0]["seeds"] is None
    assert "sealed private seeds" in page_of(client, ann, ann_id)
    assert "private_episodes" in section_names(report_of(client, bob, bob_id))
    board_page = html_of(client, ann, f"/competitions/{comp['id']}")
    assert "Closed: ranked on private scores" in board_page and f"{lean[1]:.4f}" in board_page
    grades = client.get(f"/api/v1/classes/{klass['id']}/grades.csv", headers=teacher.headers).text
    assert "ann" in grades and "bob" in grades


def test_practice_shows_the_sealed_seeds_once_a_final_is_chosen(client, lean):
    ann = sign_up(client, "ann")
    sent = send(client, ann, f"/api/v1/challenges/{CHALLENGE}/submissions", "policy.py", LEAN.encode())
    grade_all()
    report = report_of(client, ann, sent)
    assert report["status"] == "graded" and report["private_scores"] is None
    assert "private_episodes" not in section_names(report)
    board = client.get(f"/api/v1/challenges/{CHALLENGE}/leaderboard").json()
    assert [row["who"] for row in board["rows"] if not row["baseline"]] == ["ann"]
    assert all(row["private_score"] is None for row in board["rows"])
    client.post(f"/api/v1/submissions/{sent}/final", headers=ann.headers)
    report = report_of(client, ann, sent)
    assert report["private_scores"]["mean_return"] == pytest.approx(lean[1], abs=1e-6)
    assert "private_episodes" in section_names(report) and "sealed private seeds" in page_of(client, ann, sent)


def test_bad_policies_in_a_competition_come_back_classed_and_use_no_allowance(client):
    _teacher, klass, comp = competition(client)
    ann = join_class(client, klass, "ann")
    sent = {case: send(client, ann, f"/api/v1/competitions/{comp['id']}/submissions", f"{case}.zip",
                       zipped_policy(source)) for case, (source, _code, _words) in BAD_POLICIES.items()}
    assert grade_all() == len(BAD_POLICIES)
    for case, (_source, code, words) in BAD_POLICIES.items():
        shown = client.get(f"/api/v1/submissions/{sent[case]}", headers=ann.headers).json()
        assert shown["status"] == "rejected" and shown["error_code"] == code, shown
        assert words in shown["error_message"]
        page = page_of(client, ann, sent[case])
        assert code in page and words in page
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=ann.headers).json()
    assert [row["who"] for row in board["rows"] if not row["baseline"]] == []
    assert "3 of 3</strong> submissions left today" in html_of(client, ann, f"/competitions/{comp['id']}")


def test_the_challenge_page_offers_the_workspace_with_the_starters_and_no_sealed_file(client):
    ann = sign_up(client, "ann")
    page = html_of(client, ann, f"/challenges/{CHALLENGE}")
    assert f"/api/v1/challenges/{CHALLENGE}/workspace.zip" in page and ".zip/.tar.gz" in page
    workspace = client.get(f"/api/v1/challenges/{CHALLENGE}/workspace.zip", headers=ann.headers)
    names = set(zipfile.ZipFile(io.BytesIO(workspace.content)).namelist())
    assert {"train.py", "policy.py", "budget.py", "README.md"} <= names
    assert not any("sealed" in name or "seeds" in name for name in names)


def test_a_worker_pool_grades_policies_from_the_durable_queue(client, lean):
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker

    ann = sign_up(client, "ann")
    path = f"/api/v1/challenges/{CHALLENGE}/submissions"
    good = send(client, ann, path, "lean.zip", zipped_policy(LEAN))
    bad = send(client, ann, path, "bad.zip", zipped_policy(BAD_POLICIES["outside_the_space"][0]))
    assert queue.status_counts()["queued"] == 2
    summary = run_worker(executor="local", concurrency=1, until_idle=True, lease_seconds=60)
    assert summary.done == 2 and queue.status_counts()["done"] == 2
    assert client.get(f"/api/v1/submissions/{good}", headers=ann.headers).json()["public_score"] == \
        pytest.approx(lean[0], abs=1e-6)
    assert client.get(f"/api/v1/submissions/{bad}", headers=ann.headers).json()["error_code"] == "invalid_output"
