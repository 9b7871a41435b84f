"""Class pages: create, join by code, the class page (instructor: join code, dashboard charts,
new competition, upload a bundle, grades CSV)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from tiltyard.server import classes as class_logic
from tiltyard.server.access import class_challenge_ids, class_for, teaches
from tiltyard.server.bundle_uploads import receive_authored, receive_bundle
from tiltyard.server.dashboard import charts, class_summary
from tiltyard.server.deps import CurrentUser, FormCsrf, SessionDep, TeachingUser
from tiltyard.server.errors import InvalidInput
from tiltyard.server.models import User
from tiltyard.server.pages.rendering import render
from tiltyard.server.uploads import saved_upload, saved_uploads

router = APIRouter()


@router.get("/classes/new")
def new_class_page(request: Request, user: TeachingUser):
    return render(request, "class_new.html")


@router.post("/classes", dependencies=[FormCsrf])
def create_class(request: Request, user: TeachingUser, session: SessionDep,
                 name: str = Form(..., min_length=1, max_length=120)):
    classroom = class_logic.create_class(session, user, name)
    session.commit()
    return RedirectResponse(f"/classes/{classroom.id}", status_code=303)


@router.post("/classes/join", dependencies=[FormCsrf])
def join_class(request: Request, user: CurrentUser, session: SessionDep,
               join_code: str = Form(..., max_length=20)):
    classroom = class_logic.join_class(session, user, join_code)
    session.commit()
    return RedirectResponse(f"/classes/{classroom.id}", status_code=303)


@router.get("/classes/{class_id}")
def class_page(request: Request, class_id: int, user: CurrentUser, session: SessionDep):
    classroom = class_for(session, user, class_id)
    instructor = teaches(user, classroom)
    summaries = class_summary(session, classroom) if instructor else []
    return render(request, "class.html", {
        "classroom": classroom, "instructor": instructor,
        "teacher": session.get(User, classroom.instructor_id).username,
        "competitions": class_logic.competitions_of(session, classroom),
        "state_of": class_logic.state_of,
        "members": class_logic.members_of(session, classroom) if instructor else [],
        "summaries": [(s, charts(s)) for s in summaries],
        "challenge_ids": class_challenge_ids(session, classroom),
        "today": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")})


def _moment(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} is not a date and time", expected="YYYY-MM-DDTHH:MM (UTC)",
                           got=value, hint="Use the date picker") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.post("/classes/{class_id}/competitions", dependencies=[FormCsrf])
def create_competition(request: Request, class_id: int, user: CurrentUser, session: SessionDep,
                       challenge_id: str = Form(..., max_length=120),
                       title: str = Form("", max_length=200), opens_at: str = Form(...),
                       closes_at: str = Form(...),
                       submissions_per_day: int | None = Form(None, ge=1, le=10_000),
                       max_team_size: int = Form(1, ge=1, le=20)):
    classroom = class_for(session, user, class_id, manage=True)
    competition = class_logic.create_competition(
        session, classroom, challenge_id=challenge_id, title=title or None,
        opens_at=_moment(opens_at, "opens_at"), closes_at=_moment(closes_at, "closes_at"),
        submissions_per_day=submissions_per_day, max_team_size=max_team_size)
    session.commit()
    return RedirectResponse(f"/competitions/{competition.id}", status_code=303)


@router.post("/classes/{class_id}/bundles", dependencies=[FormCsrf])
async def upload_bundle(request: Request, class_id: int, user: CurrentUser, session: SessionDep,
                        file: UploadFile | None = File(None)):
    classroom = class_for(session, user, class_id, manage=True)
    async with saved_upload(file) as (path, _name):
        row = await run_in_threadpool(receive_bundle, session, classroom, user, path)
    return _checks_page(request, session, classroom, row)


@router.post("/classes/{class_id}/bundles/authored", dependencies=[FormCsrf])
async def upload_authored(request: Request, class_id: int, user: CurrentUser, session: SessionDep,
                          data: UploadFile | None = File(None), author_toml: UploadFile | None = File(None),
                          story: UploadFile | None = File(None)):
    classroom = class_for(session, user, class_id, manage=True)
    async with saved_uploads(data=data, author_toml=author_toml, story=story) as (data_path, toml_path, story_path):
        row = await run_in_threadpool(receive_authored, session, classroom, user, author_toml=toml_path,
                                      data=data_path, story=story_path)
    return _checks_page(request, session, classroom, row)


def _checks_page(request: Request, session, classroom, row):
    session.commit()
    return render(request, "bundle_upload.html", {"row": row, "classroom": classroom},
                  status_code=200 if row.passed else 422)
