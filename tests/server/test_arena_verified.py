"""The verified budget track in the arena: a learner hands in the workspace folder (train.py,
policy.py, budget.py) and the grader trains it once per training seed, inside the one grading
job, then plays each trained policy on the sealed seeds. Cheap train scripts (no
Stable-Baselines3), two training seeds, a cap of 500 steps."""

from __future__ import annotations

import time

import pytest
from agent_bundles import STEP_FOREVER, VERIFIED, build_tiny, train_script, zipped_workspace
from arena_helpers import arena_client, class_with_competition, grade_all, join_class, sign_up

from tiltyard.challenges.instance import read_or_create
from tiltyard.core import ReportSection
from tiltyard.kinds.agent.pages import summary as summary_line
from tiltyard.kinds.agent.section import VerifiedTrack
from tiltyard.runner.sandbox import bubblewrap_problem

pytestmark = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")

CAP = 500
UNTRACKED = "tiny-cartpole-v1"  # the same challenge without a verified track
EIGHTY_STEPS_EACH = """
for env in envs:
    env.reset()
    for _ in range(80):
        _, _, done, cut, _ = env.step(env.action_space.sample())
        if done or cut:
            env.reset()
"""


@pytest.fixture(scope="session")
def verified_catalog(arena_catalog):
    """A tiny CartPole with a verified track (seeds 0 and 1), and one without, built as the
    tests' arena builds (its instance seed), in a catalog folder of their own."""
    catalog, seed_file = arena_catalog
    folder, instance = catalog.parent / "verified-catalog", read_or_create(seed_file)
    bundle = build_tiny(folder, VERIFIED, instance=instance, step_budget=CAP,
                        verified=VerifiedTrack(seeds=[0, 1], wall_seconds=30, rung="lean"))
    build_tiny(folder, UNTRACKED, instance=instance)
    return bundle, seed_file


@pytest.fixture
def client(store_home, monkeypatch, verified_catalog):
    bundle, seed_file = verified_catalog
    yield from arena_client(store_home, monkeypatch, bundle.root.parent, seed_file)


@pytest.fixture
def lean(verified_catalog):
    entry = verified_catalog[0].manifest.baseline("lean")
    return entry.public_score, entry.private_score


def send(client, account, path, train: str) -> int:
    response = client.post(path, files={"file": ("workspace.zip", zipped_workspace(train))}, headers=account.headers)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def practice(challenge_id: str = VERIFIED) -> str:
    return f"/api/v1/challenges/{challenge_id}/submissions"


def report_of(client, account, submission_id):
    return client.get(f"/api/v1/submissions/{submission_id}/report", headers=account.headers).json()


def section(report, name):
    return next((s["data"] for s in report["sections"] if s["name"] == name), None)


def page_of(client, account, submission_id):
    return client.get(f"/submissions/{submission_id}", headers={**account.headers, "accept": "text/html"}).text


def test_a_workspace_handed_in_to_practice_is_trained_by_the_grader_on_each_seed(client, lean):
    ann = sign_up(client, "ann")
    sent = send(client, ann, practice(), train_script(EIGHTY_STEPS_EACH))
    assert grade_all() == 1
    report = report_of(client, ann, sent)
    assert report["status"] == "graded", report["error"]
    runs = section(report, "verified")["runs"]
    assert [run["seed"] for run in runs] == [0, 1]
    assert [run["steps_used"] for run in runs] == [240, 240]  # three copies, 80 steps each, counted by the grader
    assert not any(run["stopped_at_cap"] for run in runs)
    assert report["public_scores"]["mean_return"] == pytest.approx(lean[0], abs=1e-6)  # it hands in the lean policy
    assert section(report, "verified_private") is None  # computed on the sealed seeds: after a final choice
    page = page_of(client, ann, sent)
    assert "verified: trained by the grader, 2 seeds, 240 steps each (cap 500)" in page
    assert "240 of 500" in page and "IQM" not in page
    board = client.get(f"/api/v1/challenges/{VERIFIED}/leaderboard").json()
    assert [row["who"] for row in board["rows"] if not row["baseline"]] == ["ann"]
    challenge_page = client.get(f"/challenges/{VERIFIED}", headers={**ann.headers, "accept": "text/html"}).text
    assert "hand in the workspace folder itself" in challenge_page

    client.post(f"/api/v1/submissions/{sent}/final", headers=ann.headers)
    report = report_of(client, ann, sent)
    summary = section(report, "verified_private")
    assert report["private_scores"]["mean_return"] == pytest.approx(lean[1], abs=1e-6)
    assert summary["iqm"]["estimate"] == pytest.approx(lean[1], abs=1e-6) and summary["improvement"]["rung"] == "lean"
    page = page_of(client, ann, sent)
    assert "IQM of the private mean return over the training seeds" in page
    lines = [summary_line(ReportSection.model_validate(s)) for s in report["sections"] if "verified" in s["name"]]
    assert lines[0] == f"verified: trained by the grader, 2 seeds, 240 steps each (cap 500); public mean return " \
                       f"per seed {lean[0]:.2f}, {lean[0]:.2f}"
    assert lines[1].startswith("verified: trained by the grader, 2 seeds, 240 steps each (cap 500): IQM of the "
                               f"private mean return {lean[1]:.2f}") and "improvement over lean: 0.50" in lines[1]
    assert "Probability of improvement over the lean rung: <strong>0.50</strong>" in page


def test_a_competition_takes_a_workspace_and_a_script_past_the_cap_is_stopped_there(client, lean):
    _teacher, klass, comp = class_with_competition(client, VERIFIED, submissions_per_day=3)
    bob = join_class(client, klass, "bob")
    sent = send(client, bob, f"/api/v1/competitions/{comp['id']}/submissions", train_script(STEP_FOREVER))
    grade_all()
    report = report_of(client, bob, sent)
    runs = section(report, "verified")["runs"]
    assert [(run["steps_used"], run["stopped_at_cap"]) for run in runs] == [(CAP, True), (CAP, True)]
    assert all("stopped at the cap of 500" in run["message"] for run in runs)
    assert "500 steps each (cap 500)" in page_of(client, bob, sent)
    board = client.get(f"/api/v1/competitions/{comp['id']}/leaderboard", headers=bob.headers).json()
    people = [row for row in board["rows"] if not row["baseline"]]
    assert [row["who"] for row in people] == ["bob"] and people[0]["score"] == pytest.approx(lean[0], abs=1e-6)


def test_a_seed_whose_training_failed_is_shown_classed_beside_the_others(client, lean, verified_catalog):
    ann = sign_up(client, "ann")
    fails_on_one = train_script("if seed == 1:\n    raise ValueError('the replay buffer is empty')\n"
                                + EIGHTY_STEPS_EACH)
    sent = send(client, ann, practice(), fails_on_one)
    grade_all()
    report = report_of(client, ann, sent)
    assert report["status"] == "graded"
    verified = section(report, "verified")
    assert verified["failed_seeds"] == [1]
    failed = verified["runs"][1]
    assert failed["outcome"] == "exception" and "the replay buffer is empty" in failed["traceback_tail"]
    assert failed["public"] is None and verified["runs"][0]["public"] == pytest.approx(lean[0], abs=1e-6)
    random = verified_catalog[0].manifest.baseline("random").public_score  # what the failed seed counts as
    assert report["public_scores"]["mean_return"] == pytest.approx((lean[0] + random) / 2, abs=1e-6)
    page = page_of(client, ann, sent)
    assert "<strong>exception</strong>" in page and "the replay buffer is empty" in page
    assert "counts as the random rung" in page


def test_a_train_script_that_fails_on_every_seed_is_rejected_classed_with_its_message(client):
    ann = sign_up(client, "ann")
    sent = send(client, ann, practice(), train_script("raise ValueError('the replay buffer is empty')"))
    grade_all()
    shown = client.get(f"/api/v1/submissions/{sent}", headers=ann.headers).json()
    assert shown["status"] == "rejected" and shown["error_code"] == "exception", shown
    assert "train.py failed on every training seed (0, 1)" in shown["error_message"]
    report = report_of(client, ann, sent)
    assert "the replay buffer is empty" in report["error"]["got"]
    assert [run["outcome"] for run in section(report, "verified")["runs"]] == ["exception", "exception"]
    assert "the replay buffer is empty" in page_of(client, ann, sent)
    board = client.get(f"/api/v1/challenges/{VERIFIED}/leaderboard").json()
    assert [row["who"] for row in board["rows"] if not row["baseline"]] == []


def test_a_workspace_sent_to_a_challenge_without_the_track_is_refused_and_says_what_to_hand_in(client,
                                                                                               verified_catalog):
    ann = sign_up(client, "ann")
    sent = send(client, ann, practice(UNTRACKED), train_script(STEP_FOREVER, challenge_id=UNTRACKED))
    grade_all()
    shown = client.get(f"/api/v1/submissions/{sent}", headers=ann.headers).json()
    assert shown["status"] == "rejected" and shown["error_code"] == "no_verified_track", shown
    assert shown["public_score"] is None
    error = report_of(client, ann, sent)["error"]
    assert f"{UNTRACKED} has no verified budget track" in error["message"]
    assert "submission/" in error["expected"] and "train.py" in error["got"]
    assert f"tiltyard submit {UNTRACKED} submission" in error["hint"]
    board = client.get(f"/api/v1/challenges/{UNTRACKED}/leaderboard").json()
    assert [row["who"] for row in board["rows"] if not row["baseline"]] == []
    page = client.get(f"/challenges/{UNTRACKED}", headers={**ann.headers, "accept": "text/html"}).text
    allowed = verified_catalog[0].manifest.budget.submissions_per_day
    assert f"{allowed} of {allowed}</strong> submissions left today" in page  # the refusal used none


def test_a_worker_keeps_the_lease_of_a_verified_job_that_outlasts_it_many_times(client):
    """The arena's graders are `run_worker` processes: their heartbeat renews a running job's
    lease, so a second slot of the same pool does not take the job again when it outlasts it."""
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker
    from tiltyard.server.grading import GRADE_KIND, grading_payload

    ann = sign_up(client, "ann")
    sent = send(client, ann, practice(), train_script("time.sleep(3)"))
    started = time.monotonic()
    summary = run_worker(executor="local", concurrency=2, until_idle=True, lease_seconds=1.5, poll_seconds=0.1)
    took = time.monotonic() - started
    assert took > 4 * 1.5, took  # two seeds of three seconds' sleep each, and the plays
    assert summary.done == 1 and summary.duplicates == 0
    key = queue.job_key(GRADE_KIND, grading_payload(sent))
    job = queue.jobs_by_key([key])[key]
    assert job.status == "done" and job.attempts == 1
    assert client.get(f"/api/v1/submissions/{sent}", headers=ann.headers).json()["status"] == "graded"
