"""The catalog, public files, practice submissions and practice leaderboards."""

from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import FileResponse

from tiltyard.server import catalog, entries
from tiltyard.server.access import challenge_for, check_challenge_visible, visible_challenge_ids
from tiltyard.server.api.limits import check_submission_rate
from tiltyard.server.deps import CurrentUser, OptionalUser, OptionalViewer, SessionDep
from tiltyard.server.leaderboards import practice_board_async
from tiltyard.server.publish import (
    allowance_public,
    challenge_public,
    challenge_summary,
    leaderboard_response,
    submission_public,
)
from tiltyard.server.schemas import (
    AllowancePublic,
    ChallengePublic,
    ChallengeSummary,
    LeaderboardPublic,
    SubmissionPublic,
)
from tiltyard.server.uploads import saved_upload
from tiltyard.store import Submission

router = APIRouter(prefix="/challenges", tags=["challenges"])


@router.get("", response_model=list[ChallengeSummary])
def list_challenges(user: OptionalUser, session: SessionDep):
    """The arena's built-ins, and the challenges uploaded to your classes."""
    return [challenge_summary(i) for i in visible_challenge_ids(session, user)]


@router.get("/{challenge_id}", response_model=ChallengePublic)
def read_challenge(challenge_id: str, user: OptionalUser, session: SessionDep):
    challenge_for(session, user, challenge_id)
    return challenge_public(challenge_id)


@router.get("/{challenge_id}/workspace.zip", response_class=FileResponse,
            responses={200: {"content": {"application/zip": {}}}})
def download_workspace(challenge_id: str, user: OptionalUser, session: SessionDep):
    """What `tiltyard start ID` unpacks: data/ (the public files), the starters and README.md
    (the brief). Never a sealed file."""
    challenge_for(session, user, challenge_id)
    path = catalog.workspace_zip(challenge_id)
    return FileResponse(path, media_type="application/zip", filename=f"{challenge_id}.zip")


@router.get("/{challenge_id}/files/{path:path}", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_public_file(challenge_id: str, path: str, user: OptionalUser, session: SessionDep):
    """Only files the manifest marks public; sealed answers are never served."""
    challenge_for(session, user, challenge_id)
    found = catalog.public_file(challenge_id, path)
    return FileResponse(found, filename=found.name)


@router.get("/{challenge_id}/allowance", response_model=AllowancePublic)
def read_practice_allowance(challenge_id: str, request: Request, user: CurrentUser,
                            session: SessionDep):
    """Your practice submissions used and left today on this challenge."""
    return allowance_public(entries.daily_allowance(
        session, user, challenge_for(session, user, challenge_id).manifest.id,
        practice_limit=request.app.state.arena.practice_submissions_per_day))


@router.get("/{challenge_id}/leaderboard", response_model=LeaderboardPublic)
async def read_practice_leaderboard(challenge_id: str, user: OptionalViewer):
    await check_challenge_visible(user, challenge_id)
    return leaderboard_response(await practice_board_async(challenge_id))


@router.post("/{challenge_id}/submissions", status_code=status.HTTP_202_ACCEPTED,
             response_model=SubmissionPublic)
async def submit_practice(challenge_id: str, request: Request, user: CurrentUser,
                          session: SessionDep, file: UploadFile = File(...)):
    """Store a file of a format the challenge's kind grades (its `formats` on GET
    /challenges/{id}: predictions, code, designs...); a worker grades it off the request path
    (poll the submission)."""
    catalog.bundle(challenge_id)
    await check_submission_rate(request, user, session)
    limit = request.app.state.arena.practice_submissions_per_day
    async with saved_upload(file) as (path, name):
        entry = await entries.submit_off_loop(session, user, challenge_id, path, name,
                                              practice_limit=limit)

    return submission_public(session.get(Submission, entry.submission_id), entry, user.username)
