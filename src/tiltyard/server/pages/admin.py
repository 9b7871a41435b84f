"""The admin's pages: accounts and their roles; regrading a challenge on its new version."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from tiltyard.server import catalog
from tiltyard.server.accounts import set_role as assign_role
from tiltyard.server.deps import AdminUser, FormCsrf, SessionDep
from tiltyard.server.errors import InvalidInput, NotFound
from tiltyard.server.models import Role, User
from tiltyard.server.pages.rendering import render
from tiltyard.server.regrading import regrade_arena

router = APIRouter()


@router.get("/admin/users")
def users_page(request: Request, admin: AdminUser, session: SessionDep):
    return render(request, "admin_users.html",
                  {"users": list(session.scalars(select(User).order_by(User.id))),
                   "roles": Role.ALL})


@router.post("/admin/users/{user_id}/role", dependencies=[FormCsrf])
def set_role(request: Request, user_id: int, admin: AdminUser, session: SessionDep,
             role: str = Form(...)):
    if role not in Role.ALL:
        raise InvalidInput(f"There is no role {role!r}", expected=" or ".join(Role.ALL), got=role)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}", expected="an id on this page",
                       got=str(user_id))
    assign_role(session, user, role)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/regrade")
def regrade_page(request: Request, admin: AdminUser):
    return render(request, "admin_regrade.html", {"challenge_ids": catalog.challenge_ids(),
                                                  "result": None})


@router.post("/admin/regrade", dependencies=[FormCsrf])
def regrade(request: Request, admin: AdminUser, challenge_id: str = Form(..., max_length=120),
            to: str = Form("", max_length=120)):
    result = regrade_arena(challenge_id, to=to or None)
    return render(request, "admin_regrade.html", {"challenge_ids": catalog.challenge_ids(),
                                                  "result": result})
