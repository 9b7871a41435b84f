"""Grading through the durable queue (``tiltyard.runner.queue``).

A request stores the submission (file and row, status ``received``) and enqueues a
``grade_submission`` job; worker processes (``grading_processes``, or `tiltyard worker` run
elsewhere) take the job, grade, and record the report. The queue's leases are what make a
restart safe: a job whose worker was killed is taken again once its lease runs out, and grading
is idempotent, so a job run twice records one report.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime

from sqlalchemy import select

from tiltyard.config import get_settings
from tiltyard.runner import queue
from tiltyard.runner.jobs import Job, JobStatus
from tiltyard.runner.queue import ClaimedJob
from tiltyard.runner.tasks import execute_job
from tiltyard.store import Submission, session_scope

log = logging.getLogger("tiltyard.server.grading")
GRADE_KIND = "grade_submission"


def _grades_stamp():
    return get_settings().home / "arena-grades.stamp"


def note_grades_changed() -> None:
    """Tell every server process on this home that a grade was recorded (leaderboards cached
    between grades are stale). A tiny file, replaced atomically, so any process can read it."""
    stamp = _grades_stamp()
    partial = stamp.with_name(f"{stamp.name}.{os.getpid()}")
    partial.write_text(f"{time.time_ns()} {os.getpid()}", encoding="utf-8")
    partial.replace(stamp)


def grades_version() -> str:
    """Changes whenever ``note_grades_changed`` is called; '' before the first grade."""
    try:
        return _grades_stamp().read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def grading_payload(submission_id: int) -> dict:
    return {"submission_id": submission_id}


def enqueue_grading(submission_id: int) -> int:
    """Ask a worker to grade this submission; asking twice is one job (the queue's key)."""
    return queue.enqueue(GRADE_KIND, grading_payload(submission_id))


def record_grading_failure(submission_id: int, reason: str) -> None:
    """A job that could not grade (a grader bug, a broken bundle, a worker killed on every
    attempt): mark the submission rejected with the reason, so its page stops waiting."""
    with session_scope() as session:
        row = session.get(Submission, submission_id)
        if row is not None and row.status == "received":
            row.status = "rejected"
            row.graded_at = datetime.now(UTC)
            row.error_code = "grading_failed"
            row.error_message = (f"The grader could not run ({reason}). This is a bug in "
                                 "Tiltyard or a broken bundle; tell the admin, who can see "
                                 "the job with `tiltyard worker --status`.")


def when_job_settles(job: ClaimedJob, status: str) -> None:
    """``run_worker``'s ``on_settled`` hook: a grading job that failed for good rejects its
    submission with the job's error; any settled grading job changes leaderboards."""
    if job.kind != GRADE_KIND:
        return
    note_grades_changed()
    if status == JobStatus.FAILED:
        record_grading_failure(int(job.payload["submission_id"]), queue.get_job(job.id).error
                               or "unknown error")


def recover_received() -> int:
    """At start: every submission still ``received`` has a grading job (a server killed between
    storing and enqueueing left none), and one whose job failed for good is rejected.
    Returns how many were waiting."""
    with session_scope() as session:
        waiting = session.scalars(select(Submission.id).where(
            Submission.status == "received").order_by(Submission.id)).all()
        failed = {job.payload["submission_id"]: job.error for job in session.scalars(
            select(Job).where(Job.kind == GRADE_KIND, Job.status == JobStatus.FAILED))}
    for submission_id in waiting:
        if submission_id in failed:
            record_grading_failure(submission_id, failed[submission_id] or "unknown error")
        else:
            enqueue_grading(submission_id)
    return len(waiting)


def grade_pending_now() -> int:
    """Run every queued grading job in this thread (tests, and a server started without worker
    processes that wants to catch up). Returns how many jobs ran."""
    worker = f"inline:{os.getpid()}"
    count = 0
    while (job := queue.claim(worker, lease_seconds=300)) is not None:
        count += 1
        try:
            result = execute_job(job.kind, job.payload)
        except Exception as error:  # noqa: BLE001 - recorded on the job and the submission
            log.exception("job %s (%s) failed", job.id, job.kind)
            status = queue.fail(job.id, worker, f"{type(error).__name__}: {error}", retry=False)
            when_job_settles(job, status or "lost")
        else:
            queue.complete(job.id, result)
            when_job_settles(job, JobStatus.DONE)
    return count
