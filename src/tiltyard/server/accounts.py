"""Accounts: sign-up, sign-in, API tokens, and the first admin (from env, or a one-time setup
link printed on first start)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tiltyard.server.errors import Conflict, NotAuthenticated, NotFound
from tiltyard.server.models import Role, Token, User
from tiltyard.server.security import burn_password_check, hash_password, new_token, token_digest, verify_password


def create_user(session: Session, username: str, password: str, role: str = Role.LEARNER) -> User:
    username = username.strip().lower()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username {username!r} is taken", expected="a username no one has",
                       got=username, hint="Pick another, or sign in if it is yours")
    user = User(username=username, password_hash=hash_password(password), role=role,
                created_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    # No username holds a NUL (sign-up's pattern forbids it), and PostgreSQL rejects one in a query.
    user = None if "\x00" in username else session.scalar(
        select(User).where(User.username == username.strip().lower()))
    if user is None:
        burn_password_check(password)
    elif verify_password(user.password_hash, password):
        return user
    raise NotAuthenticated("Wrong username or password", expected="the username and password "
                           "you signed up with", got=f"username {username!r} and a password that "
                           "does not match", hint="Check both; usernames are lower case")


def issue_token(session: Session, user: User, name: str) -> str:
    """A new API token; only its hash is kept, so this is the one time it is seen."""
    token = new_token()
    session.add(Token(token_hash=token_digest(token), purpose="api", user_id=user.id, name=name,
                      created_at=datetime.now(UTC)))
    session.flush()
    return token


def revoke_token(session: Session, token_id: int) -> None:
    row = session.get(Token, token_id)
    if row is not None:
        session.delete(row)
        session.flush()


def admin_exists(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN)))


def set_role(session: Session, user: User, role: str) -> User:
    """Give ``user`` a role; refuses to demote the last admin, whom nobody could replace."""
    if user.role == Role.ADMIN and role != Role.ADMIN:
        admins = session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN))
        if admins <= 1:
            raise Conflict(f"{user.username} is the only admin and cannot become {role}",
                           expected="at least one other admin first",
                           got=f"1 admin ({user.username})",
                           hint="Make another account admin, then change this one")
    user.role = role
    session.commit()
    return user


def ensure_admin(session: Session, username: str | None, password: str | None) -> str | None:
    """On start: create the admin from env if there is none; with no env, a one-time setup
    token (returned, to be printed as a link). None when nothing needs doing."""
    if admin_exists(session):
        return None
    if username and password:
        existing = session.scalar(select(User).where(User.username == username.lower()))
        if existing is not None:
            existing.role = Role.ADMIN
        else:
            create_user(session, username, password, role=Role.ADMIN)
        session.commit()
        return None
    for stale in session.scalars(select(Token).where(Token.purpose == "setup")):
        session.delete(stale)
    token = new_token()
    session.add(Token(token_hash=token_digest(token), purpose="setup", name="first admin",
                      created_at=datetime.now(UTC)))
    session.commit()
    return token


def use_setup_token(session: Session, token: str, username: str, password: str) -> User:
    row = session.scalar(select(Token).where(Token.token_hash == token_digest(token),
                                             Token.purpose == "setup"))
    if row is None or admin_exists(session):
        raise NotFound("This setup link is used up or not valid", expected="the link printed "
                       "when the server first started", got="an unknown or used link",
                       hint="Restart `tiltyard serve` to print a fresh one (only while no admin "
                            "exists), or sign in")
    user = create_user(session, username, password, role=Role.ADMIN)
    session.delete(row)
    session.flush()
    return user
