"""Accounts: who am I; the admin lists accounts and sets roles."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from tiltyard.server.accounts import set_role as assign_role
from tiltyard.server.deps import AdminUser, CurrentUser, SessionDep
from tiltyard.server.errors import NotFound
from tiltyard.server.models import User
from tiltyard.server.schemas import UserPublic, UserRoleUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser):
    return UserPublic.model_validate(user)


@router.get("", response_model=list[UserPublic])
def list_users(_admin: AdminUser, session: SessionDep):
    return [UserPublic.model_validate(u) for u in session.scalars(select(User).order_by(User.id))]


@router.patch("/{user_id}", response_model=UserPublic)
def set_role(user_id: int, body: UserRoleUpdate, _admin: AdminUser, session: SessionDep):
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}", expected="an id from GET /api/v1/users",
                       got=str(user_id))
    return UserPublic.model_validate(assign_role(session, user, body.role))
