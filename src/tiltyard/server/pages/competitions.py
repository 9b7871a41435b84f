"""Competition pages: leaderboard, submission form, teams, the learner's own submissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from tiltyard.server import classes as class_logic
from tiltyard.server import entries
from tiltyard.server.access import competition_for, competition_with_changes, teaches
from tiltyard.server.api.limits import check_submission_rate
from tiltyard.server.deps import CurrentUser, FormCsrf, SessionDep, as_signed_in_viewer
from tiltyard.server.errors import in_words
from tiltyard.server.kept import Kept
from tiltyard.server.leaderboards import competition_board
from tiltyard.server.models import aware
from tiltyard.server.pages.rendering import render_to_keep, serve_kept
from tiltyard.server.publish import formats_public
from tiltyard.server.uploads import saved_upload

router = APIRouter()


@router.get("/competitions/{competition_id}")
async def competition_page(request: Request, competition_id: int):
    """Kept per viewer while nothing it shows changed (server/kept.py): the page every learner of
    a class reloads before a deadline costs two small queries, not eight and a drawing."""
    kept: Kept[str] = request.app.state.kept_pages

    def work(session, user):
        competition, classroom, changes = competition_with_changes(session, user, competition_id)
        now = datetime.now(UTC)
        state = class_logic.state_of(competition, now)
        board = competition_board(session, competition, now)
        key = ("competition", competition.id, user.id)
        shown = _shown_on_page(user, competition, classroom, state, changes, now)
        # The board is the grades' (cached, lagging them as boards do), so it lags with them.
        return kept.get(key, shown, (changes.grades, board), lambda: _draw(
            request, session, user, competition, classroom, state, board))

    return serve_kept(request, await as_signed_in_viewer(request, work))


def _shown_on_page(user, competition, classroom, state, changes, now) -> tuple:
    """Everything the page shows, as the store has it now, besides the grades and the board."""
    day = entries.start_of_day(now)
    resets_in = in_words((day + timedelta(days=1) - now).total_seconds())
    return (user.id, user.username, user.role, competition.class_id, competition.challenge_id,
            competition.title, aware(competition.opens_at), aware(competition.closes_at),
            competition.submissions_per_day, competition.max_team_size, classroom.name,
            classroom.instructor_id, state, day, resets_in if state == "open" else None,
            changes.entries, changes.teams)


def _draw(request, session, user, competition, classroom, state, board) -> str:
    my_team = class_logic.team_of(session, competition, user)
    return render_to_keep(request, "competition.html", {
        "allowance": entries.daily_allowance(
            session, user, competition.challenge_id, competition,
            team_id=my_team.id if my_team else None) if state == "open" else None,
        "competition": competition, "classroom": classroom,
        "state": state, "instructor": teaches(user, classroom),
        "board": board,
        "teams": class_logic.teams_of(session, competition)
        if competition.max_team_size > 1 else [],
        "my_team": my_team,
        "mine": entries.entries_of(session, user, competition_id=competition.id),
        "formats": formats_public(competition.challenge_id)})


@router.post("/competitions/{competition_id}/submit", dependencies=[FormCsrf])
async def submit_from_page(request: Request, competition_id: int, user: CurrentUser,
                           session: SessionDep, file: UploadFile | None = File(None)):
    competition, _ = competition_for(session, user, competition_id)
    await check_submission_rate(request, user, session)
    async with saved_upload(file) as (path, name):
        entry = await entries.submit_off_loop(session, user, competition.challenge_id, path, name,
                                              competition=competition)
    return RedirectResponse(f"/submissions/{entry.submission_id}", status_code=303)


@router.post("/competitions/{competition_id}/teams", dependencies=[FormCsrf])
def create_team(request: Request, competition_id: int, user: CurrentUser, session: SessionDep,
                name: str = Form(..., min_length=1, max_length=80)):
    competition, _ = competition_for(session, user, competition_id)
    class_logic.create_team(session, competition, user, name)
    session.commit()
    return RedirectResponse(f"/competitions/{competition_id}", status_code=303)


@router.post("/competitions/{competition_id}/teams/{team_id}/join", dependencies=[FormCsrf])
def join_team(request: Request, competition_id: int, team_id: int, user: CurrentUser,
              session: SessionDep):
    competition, _ = competition_for(session, user, competition_id)
    class_logic.join_team(session, competition, user, team_id)
    session.commit()
    return RedirectResponse(f"/competitions/{competition_id}", status_code=303)
