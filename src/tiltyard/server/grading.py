"""Grading off the request path. A request stores the submission (file and row, status
``received``) and returns; worker threads here grade whatever is ``received``, oldest first.
Because the row is committed before grading starts, a server killed mid-grade finds the
submission still ``received`` when it comes back, and grades it then."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import select

from tiltyard.store import Submission, session_scope
from tiltyard.submissions import grade_received

log = logging.getLogger("tiltyard.server.grading")


class GradingWorker:
    def __init__(self, threads: int = 2, idle_poll_s: float = 2.0):
        self.threads = max(1, threads)
        self.idle_poll_s = idle_poll_s
        self._wake = threading.Condition()
        self._pending_signal = False
        self._stopping = False
        self._claimed: set[int] = set()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, name=f"tiltyard-grader-{index}",
                                      daemon=True)
            thread.start()
            self._workers.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        for thread in self._workers:
            thread.join(timeout)

    def notify(self) -> None:
        """A submission was received: wake a worker now rather than at the next poll."""
        with self._wake:
            self._pending_signal = True
            self._wake.notify()

    def _claim(self) -> int | None:
        with session_scope() as session:
            waiting = session.scalars(select(Submission.id).where(
                Submission.status == "received").order_by(Submission.id).limit(64)).all()
        with self._wake:
            for submission_id in waiting:
                if submission_id not in self._claimed:
                    self._claimed.add(submission_id)
                    return submission_id
        return None

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                self._pending_signal = False
            submission_id = self._claim()
            if submission_id is None:
                with self._wake:
                    if not self._pending_signal and not self._stopping:
                        self._wake.wait(self.idle_poll_s)
                continue
            try:
                grade_received(submission_id)
            except Exception as error:  # noqa: BLE001 - a grader bug must not kill the worker
                log.exception("grading submission %s failed", submission_id)
                _record_failure(submission_id, error)
            finally:
                with self._wake:
                    self._claimed.discard(submission_id)


def _record_failure(submission_id: int, error: Exception) -> None:
    """Mark it rejected with the reason, so it is not picked up again in a loop."""
    with session_scope() as session:
        row = session.get(Submission, submission_id)
        if row is not None and row.status == "received":
            row.status = "rejected"
            row.graded_at = datetime.now(UTC)
            row.error_code = "grading_failed"
            row.error_message = (f"The grader failed ({type(error).__name__}: {error}). "
                                 "This is a bug in Tiltyard or a broken bundle; tell the admin.")


def grade_pending_now() -> int:
    """Grade everything ``received`` in this thread (tests and `tiltyard serve --grade-only`)."""
    count = 0
    while True:
        with session_scope() as session:
            submission_id = session.scalar(select(Submission.id).where(
                Submission.status == "received").order_by(Submission.id).limit(1))
        if submission_id is None:
            return count
        try:
            grade_received(submission_id)
        except Exception as error:  # noqa: BLE001
            _record_failure(submission_id, error)
        count += 1
