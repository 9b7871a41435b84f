"""Competitions: read, leaderboard (public while open, private once closed), submit, teams."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, File, Request, UploadFile, status

from tiltyard.server import classes as class_logic
from tiltyard.server import entries
from tiltyard.server.access import competition_for
from tiltyard.server.api.limits import check_submission_rate
from tiltyard.server.deps import CurrentUser, SessionDep, as_signed_in_viewer
from tiltyard.server.leaderboards import competition_board
from tiltyard.server.publish import allowance_public, competition_public, leaderboard_response, submission_public
from tiltyard.server.schemas import (
    CompetitionEntered,
    CompetitionPublic,
    LeaderboardPublic,
    SubmissionPublic,
    TeamCreate,
    TeamPublic,
)
from tiltyard.server.uploads import saved_upload
from tiltyard.store import Submission

router = APIRouter(prefix="/competitions", tags=["competitions"])


@router.get("", response_model=list[CompetitionEntered])
def list_my_competitions(user: CurrentUser, session: SessionDep,
                         state: Literal["upcoming", "open", "closed"] | None = None):
    """Competitions of the classes you belong to or teach, with today's submissions left
    (what `tiltyard competitions` prints)."""
    found = []
    for classroom in class_logic.classes_of(session, user):
        for competition in class_logic.competitions_of(session, classroom):
            public = competition_public(competition)
            if state is not None and public.state != state:
                continue
            allowance = entries.daily_allowance(session, user, competition.challenge_id,
                                                competition) if public.state == "open" else None
            found.append(CompetitionEntered(
                **public.model_dump(), class_name=classroom.name,
                allowance=allowance_public(allowance) if allowance else None))
    return found


@router.get("/{competition_id}", response_model=CompetitionPublic)
def read_competition(competition_id: int, user: CurrentUser, session: SessionDep):
    competition, _ = competition_for(session, user, competition_id)
    return competition_public(competition)


@router.get("/{competition_id}/leaderboard", response_model=LeaderboardPublic)
async def read_leaderboard(competition_id: int, request: Request):
    def work(session, user):
        competition, _ = competition_for(session, user, competition_id)
        return leaderboard_response(competition_board(session, competition))

    return await as_signed_in_viewer(request, work)


@router.post("/{competition_id}/submissions", status_code=status.HTTP_202_ACCEPTED,
             response_model=SubmissionPublic)
async def submit_to_competition(competition_id: int, request: Request, user: CurrentUser,
                                session: SessionDep, file: UploadFile = File(...)):
    competition, _ = competition_for(session, user, competition_id)
    await check_submission_rate(request, user, session)
    async with saved_upload(file) as (path, name):
        entry = await entries.submit_off_loop(session, user, competition.challenge_id, path, name,
                                              competition=competition)
    return submission_public(session.get(Submission, entry.submission_id), entry, user.username)


@router.get("/{competition_id}/teams", response_model=list[TeamPublic])
def list_teams(competition_id: int, user: CurrentUser, session: SessionDep):
    competition, _ = competition_for(session, user, competition_id)
    return [TeamPublic(id=t.id, competition_id=competition.id, name=t.name, members=m)
            for t, m in class_logic.teams_of(session, competition)]


@router.post("/{competition_id}/teams", status_code=status.HTTP_201_CREATED,
             response_model=TeamPublic)
def create_team(competition_id: int, body: TeamCreate, user: CurrentUser, session: SessionDep):
    competition, _ = competition_for(session, user, competition_id)
    team = class_logic.create_team(session, competition, user, body.name)
    session.commit()
    return TeamPublic(id=team.id, competition_id=competition.id, name=team.name,
                      members=[user.username])


@router.post("/{competition_id}/teams/{team_id}/members", response_model=TeamPublic)
def join_team(competition_id: int, team_id: int, user: CurrentUser, session: SessionDep):
    competition, _ = competition_for(session, user, competition_id)
    team = class_logic.join_team(session, competition, user, team_id)
    session.commit()
    members = dict((t.id, m) for t, m in class_logic.teams_of(session, competition))[team.id]
    return TeamPublic(id=team.id, competition_id=competition.id, name=team.name, members=members)
