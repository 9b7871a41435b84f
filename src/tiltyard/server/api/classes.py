"""Classes: create (instructors), join by code, read, dashboard and grades (instructors)."""

from __future__ import annotations

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from tiltyard.server import classes as class_logic
from tiltyard.server.access import class_for
from tiltyard.server.bundle_uploads import bundles_of, receive_authored, receive_bundle
from tiltyard.server.dashboard import class_summary, grades_csv
from tiltyard.server.deps import CurrentUser, SessionDep, TeachingUser
from tiltyard.server.publish import class_public, competition_public
from tiltyard.server.schemas import (
    BundleUploadPublic,
    ClassCreate,
    ClassDashboard,
    ClassJoin,
    ClassPublic,
    CompetitionCreate,
    CompetitionDashboard,
    CompetitionPublic,
    StandingPublic,
)
from tiltyard.server.uploads import saved_upload, saved_uploads

router = APIRouter(prefix="/classes", tags=["classes"])


@router.get("", response_model=list[ClassPublic])
def list_my_classes(user: CurrentUser, session: SessionDep):
    return [class_public(session, c, user) for c in class_logic.classes_of(session, user)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClassPublic)
def create_class(body: ClassCreate, user: TeachingUser, session: SessionDep):
    classroom = class_logic.create_class(session, user, body.name)
    session.commit()
    return class_public(session, classroom, user)


@router.post("/join", response_model=ClassPublic)
def join_class(body: ClassJoin, user: CurrentUser, session: SessionDep):
    classroom = class_logic.join_class(session, user, body.join_code)
    session.commit()
    return class_public(session, classroom, user)


@router.get("/{class_id}", response_model=ClassPublic)
def read_class(class_id: int, user: CurrentUser, session: SessionDep):
    return class_public(session, class_for(session, user, class_id), user)


@router.post("/{class_id}/competitions", status_code=status.HTTP_201_CREATED,
             response_model=CompetitionPublic)
def create_competition(class_id: int, body: CompetitionCreate, user: CurrentUser,
                       session: SessionDep):
    classroom = class_for(session, user, class_id, manage=True)
    competition = class_logic.create_competition(
        session, classroom, challenge_id=body.challenge_id, title=body.title,
        opens_at=body.opens_at, closes_at=body.closes_at,
        submissions_per_day=body.submissions_per_day, max_team_size=body.max_team_size)
    session.commit()
    return competition_public(competition)


@router.get("/{class_id}/dashboard", response_model=ClassDashboard)
def read_dashboard(class_id: int, user: CurrentUser, session: SessionDep):
    classroom = class_for(session, user, class_id, manage=True)
    return ClassDashboard(class_id=classroom.id, name=classroom.name, competitions=[
        CompetitionDashboard(competition=competition_public(s.competition), metric=s.metric,
                             standings=[StandingPublic(**{k: getattr(x, k) for k in
                                                          StandingPublic.model_fields})
                                        for x in s.standings],
                             submissions_per_day=s.per_day)
        for s in class_summary(session, classroom)])


@router.get("/{class_id}/grades.csv", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
def download_grades(class_id: int, user: CurrentUser, session: SessionDep):
    classroom = class_for(session, user, class_id, manage=True)
    return PlainTextResponse(grades_csv(session, classroom), media_type="text/csv",
                             headers={"Content-Disposition":
                                      f'attachment; filename="class-{classroom.id}-grades.csv"'})


@router.post("/{class_id}/bundles", status_code=status.HTTP_201_CREATED,
             response_model=BundleUploadPublic,
             responses={422: {"model": BundleUploadPublic,
                              "description": "the bundle failed checks (listed) or the archive is unusable"}})
async def upload_bundle(class_id: int, user: CurrentUser, session: SessionDep,
                        file: UploadFile = File(..., description="a zip or tar.gz of the bundle folder")):
    """Upload a built bundle to the class: the server runs `tiltyard check` on it and answers
    with the same named checks; only a bundle that passes joins the catalog for competitions."""
    classroom = class_for(session, user, class_id, manage=True)
    async with saved_upload(file) as (path, _name):
        row = await run_in_threadpool(receive_bundle, session, classroom, user, path)
    return _answer(session, row)


@router.post("/{class_id}/bundles/authored", status_code=status.HTTP_201_CREATED,
             response_model=BundleUploadPublic,
             responses={422: {"model": BundleUploadPublic, "description": "the built bundle failed checks"},
                        400: {"description": "the build refused the folder (as `tiltyard author build` does)"}})
async def upload_authored(class_id: int, user: CurrentUser, session: SessionDep,
                          data: UploadFile = File(..., description="the CSV that author.toml's [data] names"),
                          author_toml: UploadFile = File(..., description="author.toml"),
                          story: UploadFile = File(..., description="the story file [challenge] names")):
    """Upload an author's folder instead of a built bundle: the server builds it as `tiltyard
    author build` does, then runs `tiltyard check` and answers with the same named checks."""
    classroom = class_for(session, user, class_id, manage=True)
    async with saved_uploads(data=data, author_toml=author_toml, story=story) as (data_path, toml_path, story_path):
        row = await run_in_threadpool(receive_authored, session, classroom, user, author_toml=toml_path,
                                      data=data_path, story=story_path)
    return _answer(session, row)


def _answer(session, row):
    session.commit()
    body = BundleUploadPublic.model_validate(row)
    if not row.passed:
        return JSONResponse(body.model_dump(mode="json"), status_code=422)
    return body


@router.get("/{class_id}/bundles", response_model=list[BundleUploadPublic])
def list_bundles(class_id: int, user: CurrentUser, session: SessionDep):
    classroom = class_for(session, user, class_id, manage=True)
    return [BundleUploadPublic.model_validate(row) for row in bundles_of(session, classroom)]
