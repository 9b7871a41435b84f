"""Challenge pages: brief, data dictionary, public files, ladder, practice submission and
leaderboard."""

from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse

from tiltyard.server import entries
from tiltyard.server.access import challenge_for, check_challenge_visible
from tiltyard.server.api.limits import check_submission_rate
from tiltyard.server.deps import CurrentUser, FormCsrf, OptionalUser, OptionalViewer, SessionDep
from tiltyard.server.leaderboards import practice_board_async
from tiltyard.server.pages.rendering import render
from tiltyard.server.publish import challenge_public
from tiltyard.server.uploads import saved_upload

router = APIRouter()


@router.get("/challenges/{challenge_id}")
def challenge_page(request: Request, challenge_id: str, user: OptionalUser, session: SessionDep):
    challenge_for(session, user, challenge_id)
    challenge = challenge_public(challenge_id)
    mine = entries.entries_of(session, user, challenge_id)[:10] if user else []
    allowance = entries.daily_allowance(
        session, user, challenge.id,
        practice_limit=request.app.state.arena.practice_submissions_per_day) if user else None
    return render(request, "challenge.html", {"challenge": challenge, "mine": mine,
                                              "allowance": allowance})


@router.post("/challenges/{challenge_id}/submit", dependencies=[FormCsrf])
async def submit_from_page(request: Request, challenge_id: str, user: CurrentUser,
                           session: SessionDep, file: UploadFile | None = File(None)):
    await check_submission_rate(request, user, session)
    limit = request.app.state.arena.practice_submissions_per_day
    async with saved_upload(file) as (path, name):
        entry = await entries.submit_off_loop(session, user, challenge_id, path, name,
                                              practice_limit=limit)
    return RedirectResponse(f"/submissions/{entry.submission_id}", status_code=303)


@router.get("/challenges/{challenge_id}/leaderboard")
async def practice_leaderboard_page(request: Request, challenge_id: str, user: OptionalViewer):
    # async, with a board cached between grades: the busiest public page stays off the
    # thread pool and the database (benchmarks/server.py).
    await check_challenge_visible(user, challenge_id)
    return render(request, "leaderboard.html", {"board": await practice_board_async(challenge_id),
                                                "competition": None})
