"""Grading through the durable queue: what is handed in (predictions, code, the wrong kind of
file) reaches a worker as a job, and the report page shows what the run used."""

from __future__ import annotations

import pytest
from arena_helpers import CHALLENGE, grade_all, predictions_csv, sign_up

SOLUTION = b'''
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder


def build_model():
    encode = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["sex", "passengerClass"]))
    return make_pipeline(encode, LogisticRegression())
'''


def _submit(client, account, name, content):
    return client.post(f"/api/v1/challenges/{CHALLENGE}/submissions",
                       files={"file": (name, content)}, headers=account.headers)


def test_an_upload_waits_as_a_queued_job_until_a_worker_grades_it(client, titanic_bundle):
    from tiltyard.runner import queue

    ann = sign_up(client, "ann")
    sent = _submit(client, ann, "p.csv", predictions_csv(titanic_bundle, seed=1))
    assert sent.status_code == 202 and sent.json()["status"] == "received"
    assert queue.status_counts()["queued"] == 1
    assert grade_all() == 1
    assert client.get(f"/api/v1/submissions/{sent.json()['id']}",
                      headers=ann.headers).json()["status"] == "graded"
    assert queue.status_counts()["done"] == 1


def test_a_code_submission_is_graded_in_the_sandbox_and_its_usage_shown(client, titanic_bundle):
    ann = sign_up(client, "ann")
    sent = _submit(client, ann, "solution.py", SOLUTION)
    assert sent.status_code == 202, sent.text
    grade_all()
    report = client.get(f"/api/v1/submissions/{sent.json()['id']}/report",
                        headers=ann.headers).json()
    assert report["status"] == "graded" and report["public_scores"]["accuracy"] > 0.7
    assert section_data(report, "run")["outcome"] == "ok" and section_data(report, "run")["peak_memory_mb"] > 10
    page = client.get(f"/submissions/{sent.json()['id']}", headers=ann.headers).text
    assert "peak memory" in page and section_data(report, "run")["sandbox"] in page
    assert "limits enforced by" in page and section_data(report, "run")["limits_enforced_by"] in page


def test_a_file_of_the_wrong_kind_is_refused_with_what_fits(client, titanic_bundle):
    ann = sign_up(client, "ann")
    refused = _submit(client, ann, "designs.smi", b"CCO\n")
    assert refused.status_code == 422
    body = refused.json()
    assert ".py" in body["expected"] and body["got"] == "designs.smi"
    assert "build_model()" in body["hint"]


def test_a_grading_job_that_cannot_run_rejects_its_submission(client, titanic_bundle,
                                                              monkeypatch):
    import tiltyard.submissions

    def broken(*_args, **_kwargs):
        raise RuntimeError("the bundle's answers are unreadable")

    monkeypatch.setattr(tiltyard.submissions, "evaluate", broken)
    ann = sign_up(client, "ann")
    sent = _submit(client, ann, "p.csv", predictions_csv(titanic_bundle))
    grade_all()
    shown = client.get(f"/api/v1/submissions/{sent.json()['id']}", headers=ann.headers).json()
    assert shown["status"] == "rejected"
    page = client.get(f"/submissions/{sent.json()['id']}", headers=ann.headers).text
    assert "answers are unreadable" in page and "tell the admin" in page


def test_a_restart_enqueues_submissions_stored_without_a_job(client, titanic_bundle):
    from sqlalchemy import delete

    from tiltyard.runner.jobs import Job
    from tiltyard.server.grading import recover_received
    from tiltyard.store import session_scope

    ann = sign_up(client, "ann")
    sent = _submit(client, ann, "p.csv", predictions_csv(titanic_bundle))
    with session_scope() as session:  # as if the server died between storing and enqueueing
        session.execute(delete(Job))
    assert grade_all() == 0
    assert recover_received() == 1
    assert grade_all() == 1
    assert client.get(f"/api/v1/submissions/{sent.json()['id']}",
                      headers=ann.headers).json()["status"] == "graded"


def test_the_report_page_draws_the_confusion_matrix_of_the_public_rows(client, titanic_bundle):
    ann = sign_up(client, "ann")
    sent = _submit(client, ann, "p.csv", predictions_csv(titanic_bundle, seed=2))
    grade_all()
    report = client.get(f"/api/v1/submissions/{sent.json()['id']}/report",
                        headers=ann.headers).json()
    counts = section_data(report, "diagnostics")["confusion"]["counts"]
    assert sum(map(sum, counts)) == report["public_rows"]
    page = client.get(f"/submissions/{sent.json()['id']}", headers=ann.headers).text
    assert 'data-chart="chart-confusion"' in page and "Confusion matrix (public rows)" in page


@pytest.fixture(scope="session")
def lab_challenge(arena_catalog):
    from arena_helpers import build_in_arena

    return build_in_arena("insecticide-design-v1", arena_catalog)


@pytest.mark.slow
def test_a_lab_submission_shows_its_designs_and_a_plot_only_its_maker_sees(client, lab_challenge):
    from arena_helpers import login

    from tiltyard.kinds.lab.insecticide.known import NICOTINE

    ann, bob = sign_up(client, "ann"), sign_up(client, "bob")
    sent = client.post(f"/api/v1/challenges/{lab_challenge.manifest.id}/submissions",
                       files={"file": ("designs.smi", f"{NICOTINE} nicotine\n".encode())},
                       headers=ann.headers)
    assert sent.status_code == 202, sent.text
    grade_all()
    submission = sent.json()["id"]
    report = client.get(f"/api/v1/submissions/{submission}/report", headers=ann.headers).json()
    assert report["status"] == "graded", report["error"]
    assert section_data(report, "designs")["rows"][0]["canonical_smiles"] and "exploration_plot" in report["artifacts"]
    # A URL of this server, never a path on its disk.
    assert report["artifacts"]["exploration_plot"] == f"/submissions/{submission}/artifacts/exploration_plot"
    page = client.get(f"/submissions/{submission}", headers=ann.headers).text
    assert "Your designs" in page and f"/submissions/{submission}/artifacts/exploration_plot" in page
    plot = f"/submissions/{submission}/artifacts/exploration_plot"
    shown = client.get(plot, headers=ann.headers)
    assert shown.status_code == 200 and shown.content[:4] == b"\x89PNG"
    assert client.get(plot, headers=bob.headers).status_code == 404
    admin = login(client, "admin", "admin-password")
    assert client.get(plot, headers=admin.headers).status_code == 200
    assert client.get(f"/submissions/{submission}/artifacts/answers",
                      headers=ann.headers).status_code == 404


def section_data(report: dict, name: str) -> dict:
    """The data of a report's section by name (a stored report is JSON)."""
    return next(s["data"] for s in report["sections"] if s["name"] == name)
