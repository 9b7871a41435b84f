"""Sign-up and API tokens (what `tiltyard login` and `logout` call)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from tiltyard.server.accounts import authenticate, create_user, issue_token, revoke_token
from tiltyard.server.api.limits import check_login_rate
from tiltyard.server.deps import CurrentUser, SessionDep
from tiltyard.server.schemas import TokenCreate, TokenPublic, UserCreate, UserPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def sign_up(body: UserCreate, request: Request, session: SessionDep):
    check_login_rate(request)
    user = create_user(session, body.username, body.password)
    session.commit()
    return UserPublic.model_validate(user)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenPublic)
def create_token(body: TokenCreate, request: Request, session: SessionDep):
    """Exchange a username and password for an API token (rate limited per address)."""
    check_login_rate(request)
    user = authenticate(session, body.username, body.password)
    token = issue_token(session, user, body.name)
    session.commit()
    return TokenPublic(token=token, user=UserPublic.model_validate(user))


@router.delete("/tokens/current", status_code=status.HTTP_204_NO_CONTENT)
def revoke_current_token(request: Request, user: CurrentUser, session: SessionDep) -> None:
    """Revoke the token this request was made with (a cookie session is left alone)."""
    token_id = getattr(request.state, "token_id", None)
    if token_id is not None:
        revoke_token(session, token_id)
        session.commit()
