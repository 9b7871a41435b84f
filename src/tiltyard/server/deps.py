"""Typed dependencies: a database session, the signed-in user (by API token or session cookie),
role checks and CSRF. Routes declare what they need: ``SessionDep``, ``CurrentUser``..."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tiltyard.server.errors import Forbidden, NotAuthenticated
from tiltyard.server.models import Token, User, aware
from tiltyard.server.security import same_secret, token_digest
from tiltyard.server.threads import in_thread
from tiltyard.store import open_session

T = TypeVar("T")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def db_session() -> Iterator[Session]:
    """Routes commit explicitly; whatever they leave uncommitted is rolled back."""
    with open_session() as session:
        yield session


SessionDep = Annotated[Session, Depends(db_session)]


# Built once: every API call asks, and building the statement costs more than running it.
_TOKEN_AND_USER = select(Token, User).join(User, User.id == Token.user_id).where(
    Token.token_hash == bindparam("token_hash"), Token.purpose == "api")


LAST_USED_EVERY = timedelta(minutes=1)
_last_used_written: dict[int, float] = {}  # token id -> when this process last wrote it
_last_used_lock = threading.Lock()


def _claim_last_used_write(token_id: int) -> bool:
    now = time.monotonic()
    with _last_used_lock:
        if now - _last_used_written.get(token_id, -math.inf) < LAST_USED_EVERY.total_seconds():
            return False
        _last_used_written[token_id] = now
        return True


def _user_from_token(request: Request, session: Session, header: str) -> User:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("The Authorization header is not a bearer token",
                               expected="Authorization: Bearer tya_...", got=scheme or "an empty header",
                               hint="Run `tiltyard login URL` to get a token")
    found = session.execute(_TOKEN_AND_USER, {"token_hash": token_digest(token.strip())}).first()
    row, user = found if found is not None else (None, None)
    if row is None:
        raise NotAuthenticated("This API token is not valid", expected="a token issued by "
                               "POST /api/v1/auth/tokens", got="an unknown or revoked token",
                               hint="Run `tiltyard login URL` again")
    now = datetime.now(UTC)
    # Written at most once a minute, so reads stay reads; and by one request of a burst
    # (a script's, a page's reloads), not by every request that saw the same old value.
    if (row.last_used_at is None or now - aware(row.last_used_at) > LAST_USED_EVERY) and \
            _claim_last_used_write(row.id):
        row.last_used_at = now
        session.commit()
    request.state.token_id = row.id
    return user


def optional_user(request: Request, session: SessionDep) -> User | None:
    user = _resolve_user(request, session)
    request.state.user = user  # pages render the signed-in name from here
    return user


def _resolve_user(request: Request, session: Session) -> User | None:
    header = request.headers.get("authorization")
    if header:
        return _user_from_token(request, session, header)
    user_id = request.session.get("user_id")
    if not user_id:
        return None
    user = session.get(User, user_id)
    if user is None:  # account deleted since the cookie was signed
        request.session.clear()
        return None
    # A cookie rides along on any cross-site request; an unsafe API call made with one must
    # also carry the CSRF token the page holds.
    if request.method in UNSAFE_METHODS and request.url.path.startswith("/api/") and \
            not same_secret(request.headers.get("x-csrf-token"), request.session.get("csrf")):
        raise Forbidden("This request came with a session cookie but no CSRF token",
                        expected="an X-CSRF-Token header equal to the page's csrf token",
                        got="none or a different one",
                        hint="Use an API token (Authorization: Bearer ...) from scripts")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def _resolve_in_own_session(request: Request) -> User | None:
    with open_session() as session:
        return _resolve_user(request, session)


async def optional_viewer(request: Request) -> User | None:
    """``optional_user`` for busy public pages: an anonymous request costs no database session
    and no thread hop; a signed-in one is resolved in the thread pool as usual."""
    user = None
    if request.headers.get("authorization") or request.session.get("user_id"):
        user = await in_thread(lambda: _resolve_in_own_session(request))
    request.state.user = user
    return user


OptionalViewer = Annotated[User | None, Depends(optional_viewer)]


async def as_signed_in_viewer(request: Request, work: Callable[[Session, User], T]) -> T:
    """Run ``work(session, user)`` for the signed-in viewer in one thread hop with its own
    session: the same checks as ``CurrentUser`` and ``SessionDep`` for busy read-only routes,
    without a hop per dependency (each one queues behind every other request under load)."""
    def run() -> T:
        with open_session() as session:
            user = _resolve_user(request, session)
            request.state.user = user
            return work(session, current_user(user))

    return await in_thread(run)


def current_user(user: OptionalUser) -> User:
    if user is None:
        raise NotAuthenticated("You need to sign in for this", expected="a session cookie or an "
                               "Authorization: Bearer token", got="neither",
                               hint="Sign in at /login, or run `tiltyard login URL`")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def teaching_user(user: CurrentUser) -> User:
    if not user.can_teach:
        raise Forbidden("Only instructors can do this", expected="an instructor or admin account",
                        got=f"a {user.role} account",
                        hint="Ask the server's admin to make your account an instructor")
    return user


TeachingUser = Annotated[User, Depends(teaching_user)]


def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Only the admin can do this", expected="an admin account",
                        got=f"a {user.role} account", hint="Ask the server's admin")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


async def checked_form_csrf(request: Request) -> None:
    """Every HTML form carries the session's CSRF token in a hidden field."""
    form = await request.form()
    if not same_secret(form.get("csrf_token"), request.session.get("csrf")):
        raise Forbidden("This form is stale or came from another site",
                        expected="the csrf_token the page put in the form",
                        got="a missing or different token", hint="Reload the page and submit again")


FormCsrf = Depends(checked_form_csrf)
