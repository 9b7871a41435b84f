"""The durable queue: enqueue, claim with a lease, heartbeat, complete, fail.

Every operation is one short transaction, and every state change is a guarded UPDATE (it names
the state it expects), so several workers on one database never take the same job at once and a
late worker cannot overwrite a result: the first completion of a job is its only result.
Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tiltyard.errors import TiltyardError
from tiltyard.runner.jobs import Job, JobStatus
from tiltyard.store import session_scope
from tiltyard.store.models import utcnow

CLAIM_TRIES = 5


class JobNotFound(TiltyardError):
    code = "job_not_found"


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int


def job_key(kind: str, payload: dict[str, Any]) -> str:
    """The same kind and payload make the same key: asking twice for the same work is one job."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f"{kind}:{digest}"


def enqueue(kind: str, payload: dict[str, Any], *, key: str | None = None, max_attempts: int = 3,
            session: Session | None = None) -> int:
    """Add a job, or return the id of the job already queued under the same key.

    With ``session`` the job is added in that transaction (the caller commits), so that the
    job exists exactly when what it works on does: for work on a row that same transaction
    creates, whose key cannot exist yet."""
    key = key or job_key(kind, payload)
    if session is not None:
        return _add_job(session, kind, payload, key, max_attempts)
    try:
        with session_scope() as own:
            return _add_job(own, kind, payload, key, max_attempts)
    except IntegrityError:
        with session_scope() as session:
            return session.scalar(select(Job.id).where(Job.key == key))


def _add_job(session: Session, kind: str, payload: dict[str, Any], key: str, max_attempts: int) -> int:
    job = Job(key=key, kind=kind, payload=payload, status=JobStatus.QUEUED, attempts=0,
              max_attempts=max_attempts, created_at=utcnow())
    session.add(job)
    session.flush()
    return job.id


def _claimable(now: datetime):
    lease_ran_out = and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now)
    return and_(or_(Job.status == JobStatus.QUEUED, lease_ran_out), Job.attempts < Job.max_attempts)


def claim(worker: str, *, lease_seconds: float, keys: Collection[str] | None = None) -> ClaimedJob | None:
    """Take the oldest job that is queued or whose worker stopped renewing its lease (among the
    jobs of ``keys`` only, when given: a grid runs its own cells, not the whole queue)."""
    _fail_abandoned_jobs()
    among = Job.key.in_(list(keys)) if keys is not None else true()
    for _ in range(CLAIM_TRIES):
        now = utcnow()
        with session_scope() as session:
            candidate = session.scalar(select(Job.id).where(_claimable(now), among).order_by(Job.id).limit(1))
            if candidate is None:
                return None
            taken = session.execute(
                update(Job).where(Job.id == candidate, _claimable(now)).values(
                    status=JobStatus.RUNNING, worker=worker, attempts=Job.attempts + 1, started_at=now,
                    lease_expires_at=now + timedelta(seconds=lease_seconds))).rowcount
            if taken:
                job = session.get(Job, candidate)
                return ClaimedJob(id=job.id, kind=job.kind, payload=dict(job.payload), attempt=job.attempts)
        # Another worker took it between our read and our update: look again.
    return None


def _fail_abandoned_jobs() -> None:
    """Jobs whose lease ran out on their last allowed attempt will not be tried again."""
    now = utcnow()
    abandoned = and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now,
                     Job.attempts >= Job.max_attempts)
    with session_scope() as session:
        # Looked for first: a read does not wait for, nor hold, SQLite's one write lock, and
        # every claim comes here (usually to find nothing).
        if session.scalar(select(Job.id).where(abandoned).limit(1)) is None:
            return
        session.execute(
            update(Job).where(abandoned).values(
                status=JobStatus.FAILED, finished_at=now, lease_expires_at=None,
                error="its worker stopped responding on every attempt (killed, out of memory, or the "
                      "machine went down); look at the worker's log and run the job again with "
                      "`tiltyard worker`"))


def heartbeat(job_id: int, worker: str, *, lease_seconds: float) -> bool:
    """Renew the lease; False when the job is no longer this worker's (finished or taken over)."""
    now = utcnow()
    with session_scope() as session:
        return bool(session.execute(
            update(Job).where(Job.id == job_id, Job.worker == worker, Job.status == JobStatus.RUNNING)
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))).rowcount)


def complete(job_id: int, result: dict[str, Any]) -> bool:
    """Record the job's result. Only the first completion counts; a later one returns False and
    changes nothing (a job that ran twice, because a slow worker lost its lease, has one result)."""
    now = utcnow()
    with session_scope() as session:
        return bool(session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING).values(
                status=JobStatus.DONE, result=result, error=None, finished_at=now,
                lease_expires_at=None)).rowcount)


def fail(job_id: int, worker: str, error: str, *, retry: bool) -> JobStatus | None:
    """A job could not be run (not a learner's bad outcome: those are results). With ``retry`` it
    goes back to the queue while attempts remain. Returns the job's new status, or None if the
    job was no longer this worker's."""
    now = utcnow()
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.RUNNING or job.worker != worker:
            return None
        again = retry and job.attempts < job.max_attempts
        status = JobStatus.QUEUED if again else JobStatus.FAILED
        changed = session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.worker == worker).values(
                status=status, error=error, lease_expires_at=None, worker=None if again else worker,
                finished_at=None if again else now)).rowcount
        return status if changed else None


def requeue_failed(keys: Collection[str]) -> int:
    """Give failed jobs of ``keys`` a fresh set of attempts (a grid run again retries them)."""
    with session_scope() as session:
        return session.execute(update(Job).where(Job.key.in_(list(keys)), Job.status == JobStatus.FAILED).values(
            status=JobStatus.QUEUED, attempts=0, worker=None, finished_at=None)).rowcount


def jobs_by_key(keys: Collection[str]) -> dict[str, Job]:
    """The jobs of ``keys`` that exist, detached from the session, by key."""
    with session_scope() as session:
        jobs = session.scalars(select(Job).where(Job.key.in_(list(keys)))).all()
        for job in jobs:
            session.expunge(job)
    return {job.key: job for job in jobs}


def get_job(job_id: int) -> Job:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise JobNotFound("No such job", expected="the id of a job in the queue", got=str(job_id),
                              hint="list jobs with `tiltyard worker --status`")
        session.expunge(job)
        return job


def status_counts() -> dict[str, int]:
    with session_scope() as session:
        rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    counts = {status.value: 0 for status in JobStatus}
    counts.update({status: count for status, count in rows})
    return counts
