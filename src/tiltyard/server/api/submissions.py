"""A learner's submissions, their reports, their files (to their maker only), final choices."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from tiltyard.report import Report
from tiltyard.server import entries
from tiltyard.server.access import submission_for
from tiltyard.server.deps import CurrentUser, SessionDep
from tiltyard.server.errors import Conflict
from tiltyard.server.models import User
from tiltyard.server.publish import submission_public
from tiltyard.server.schemas import SubmissionPublic
from tiltyard.submissions import FINAL_CHANGES_PER_CHALLENGE, final_changes

router = APIRouter(prefix="/submissions", tags=["submissions"])


@router.get("", response_model=list[SubmissionPublic])
def list_my_submissions(user: CurrentUser, session: SessionDep,
                        challenge_id: str | None = Query(default=None, max_length=120),
                        competition_id: int | None = None):
    return [submission_public(row, entry, user.username)
            for row, entry in entries.entries_of(session, user, challenge_id, competition_id)]


@router.get("/{submission_id}", response_model=SubmissionPublic)
def read_submission(submission_id: int, user: CurrentUser, session: SessionDep):
    row, entry = submission_for(session, user, submission_id)
    return submission_public(row, entry, session.get(User, entry.user_id).username)


@router.get("/{submission_id}/report", response_model=Report)
def read_report(submission_id: int, user: CurrentUser, session: SessionDep):
    row, entry = submission_for(session, user, submission_id)
    report = entries.report_for(session, row, entry, user)
    if report is None:
        raise Conflict(f"Submission {submission_id} has no report yet", expected="a graded or "
                       "rejected submission", got=row.status, hint="Wait a moment and ask again; "
                       "GET /api/v1/submissions/{id} shows the status")
    return report


@router.get("/{submission_id}/file", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_submission_file(submission_id: int, user: CurrentUser, session: SessionDep):
    """The file as handed in — to the person who handed it in, and no one else."""
    row, _entry = submission_for(session, user, submission_id, own_only=True)
    return FileResponse(row.stored_path, filename=row.filename)


@router.post("/{submission_id}/final", response_model=SubmissionPublic)
def choose_final(submission_id: int, user: CurrentUser, session: SessionDep):
    row, entry = submission_for(session, user, submission_id)
    entry = entries.choose_final_entry(session, user, row, entry)
    session.refresh(row)
    public = submission_public(row, entry, session.get(User, entry.user_id).username)
    if entry.competition_id is None:
        used, _seen = final_changes(row.challenge_id, owner=row.owner)
        public.final_changes_left = FINAL_CHANGES_PER_CHALLENGE - used
    return public
