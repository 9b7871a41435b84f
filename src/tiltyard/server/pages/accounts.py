"""Home, sign-up, sign-in, sign-out, first-admin setup, and "my page"."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from tiltyard.server import accounts
from tiltyard.server.access import visible_challenge_ids
from tiltyard.server.api.limits import check_login_rate
from tiltyard.server.classes import classes_of
from tiltyard.server.deps import CurrentUser, FormCsrf, OptionalUser, SessionDep
from tiltyard.server.entries import entries_of
from tiltyard.server.errors import InvalidInput
from tiltyard.server.pages.rendering import render
from tiltyard.server.publish import challenge_summary
from tiltyard.server.schemas import UserCreate
from tiltyard.server.security import new_csrf_token

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only paths on this site: "//host" or "https://..." would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _sign_in(request: Request, user_id: int) -> None:
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session["user_id"] = user_id
    request.session["csrf"] = new_csrf_token()


@router.get("/")
def home(request: Request, user: OptionalUser, session: SessionDep):
    return render(request, "home.html", {"challenges": [challenge_summary(i)
                                                         for i in visible_challenge_ids(session, user)]})


@router.get("/signup")
def signup_page(request: Request, user: OptionalUser):
    return render(request, "signup.html")


def _valid_new_user(username: str, password: str) -> UserCreate:
    try:
        return UserCreate(username=username, password=password)
    except ValidationError as error:
        problem = error.errors()[0]
        field = problem["loc"][0]
        raise InvalidInput(f"The {field} is not valid: {problem['msg']}",
                           expected=UserCreate.model_fields[field].description,
                           got="a password" if field == "password" else repr(username),
                           hint="Go back and try again") from None


@router.post("/signup", dependencies=[FormCsrf])
def signup(request: Request, session: SessionDep, username: str = Form(...),
           password: str = Form(...)):
    check_login_rate(request)
    body = _valid_new_user(username, password)
    user = accounts.create_user(session, body.username, body.password)
    session.commit()
    _sign_in(request, user.id)
    return RedirectResponse("/me", status_code=303)


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/"):
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", dependencies=[FormCsrf])
def login(request: Request, session: SessionDep, username: str = Form(...),
          password: str = Form(...), next: str = Form("/")):
    check_login_rate(request)
    user = accounts.authenticate(session, username, password)
    _sign_in(request, user.id)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[FormCsrf])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/setup/{token}")
def setup_page(request: Request, token: str, user: OptionalUser):
    return render(request, "setup.html", {"token": token})


@router.post("/setup/{token}", dependencies=[FormCsrf])
def setup(request: Request, token: str, session: SessionDep, username: str = Form(...),
          password: str = Form(...)):
    body = _valid_new_user(username, password)
    admin = accounts.use_setup_token(session, token, body.username, body.password)
    session.commit()
    _sign_in(request, admin.id)
    return RedirectResponse("/me", status_code=303)


@router.get("/me")
def my_page(request: Request, user: CurrentUser, session: SessionDep):
    return render(request, "me.html", {"submissions": entries_of(session, user),
                                       "classes": classes_of(session, user)})
