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
from contextlib import nullcontext
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiltyard.config import get_settings
from tiltyard.runner import queue
from tiltyard.runner.jobs import Job, JobStatus
from tiltyard.runner.queue import ClaimedJob
from tiltyard.runner.tasks import execute_job
from tiltyard.store import Submission, open_session, session_scope
from tiltyard.store.counters import increment, read
from tiltyard.submissions import GRADES_STAMP

log = logging.getLogger("tiltyard.server.grading")
GRADE_KIND = "grade_submission"


# How long a process trusts the grades stamp it last read before reading it again: at 200
# requests a second, a read every 50 ms instead of one per request.
STAMP_TRUSTED_SECONDS = 0.05
_stamp_read: tuple[str, float, int] | None = None  # (database URL, monotonic time, value)


def note_grades_changed(session: Session | None = None) -> None:
    """Tell every process on the store (servers, workers elsewhere) that boards changed, in
    ``session``'s transaction if given (committed by the caller), else in a transaction of
    its own. Grades recorded by ``tiltyard.submissions`` increment the stamp themselves."""
    if session is None:
        with session_scope() as own:
            increment(own, GRADES_STAMP)
    else:
        increment(session, GRADES_STAMP)
    forget_grades_version()  # this process reads the new value at once


def grades_version(session: Session | None = None) -> int:
    """The store's grades stamp: changes whenever a grade or a final choice is recorded, by any
    process on the database. Read at most every ``STAMP_TRUSTED_SECONDS``, through the
    caller's ``session`` when it has one: a request that took a second connection while
    holding its first could wait forever once every request did the same (a fixed pool)."""
    global _stamp_read
    url = get_settings().resolved_database_url
    now = time.monotonic()
    cached = _stamp_read
    if cached is not None and cached[0] == url and now - cached[1] < STAMP_TRUSTED_SECONDS:
        return cached[2]
    with nullcontext(session) if session is not None else open_session() as reading:
        value = read(reading, GRADES_STAMP)
    _stamp_read = (url, now, value)
    return value


def grading_payload(submission_id: int) -> dict:
    return {"submission_id": submission_id}


def enqueue_grading(submission_id: int, session: Session | None = None) -> int:
    """Ask a worker to grade this submission; asking twice is one job (the queue's key). With
    ``session``: in the transaction that stores the submission (see ``queue.enqueue``)."""
    return queue.enqueue(GRADE_KIND, grading_payload(submission_id), session=session)


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
            note_grades_changed(session)  # its maker's pages stop showing it waiting


def when_job_settles(job: ClaimedJob, status: str) -> None:
    """``run_worker``'s ``on_settled`` hook: a grading job that failed for good rejects its
    submission with the job's error (a recorded grade stamps the boards itself)."""
    if job.kind != GRADE_KIND:
        return
    if status == JobStatus.FAILED:
        record_grading_failure(int(job.payload["submission_id"]), queue.get_job(job.id).error
                               or "unknown error")


def recover_received() -> int:
    """At start: every submission still ``received`` has a grading job (the arena stores the
    two together, but one stored by ``submissions.receive_file`` comes without), and one whose
    job failed for good is rejected.
    Returns how many were waiting."""
    with session_scope() as session:
        waiting = session.scalars(select(Submission.id).where(
            Submission.status == "received").order_by(Submission.id)).all()
        failed = {job.payload["submission_id"]: job.error for job in session.scalars(
            select(Job).where(Job.kind == GRADE_KIND, Job.status == JobStatus.FAILED))}
        # Read, not written: while a class's uploads are being graded, the sweep every few
        # seconds finds them all waiting with their jobs queued, and enqueueing each again
        # would take the store's write lock once per submission to learn it was there.
        keys = {submission_id: queue.job_key(GRADE_KIND, grading_payload(submission_id))
                for submission_id in waiting}
        every = list(keys.values())
        queued = {key for start in range(0, len(every), 500) for key in session.scalars(
            select(Job.key).where(Job.key.in_(every[start:start + 500])))}
    for submission_id in waiting:
        if submission_id in failed:
            record_grading_failure(submission_id, failed[submission_id] or "unknown error")
        elif keys[submission_id] not in queued:
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
        forget_grades_version()
    return count


def forget_grades_version() -> None:
    """Read the stamp again on the next ask (after a grade recorded in this process)."""
    global _stamp_read
    _stamp_read = None
