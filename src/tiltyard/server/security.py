"""Passwords (argon2), API tokens (random, stored as sha256), CSRF tokens, rate limits and the
secrets every server process shares (both kept in the store)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from tiltyard.server.models import ArenaSecret, RateEvent
from tiltyard.store import session_scope
from tiltyard.store.counters import take_turn

_hasher = PasswordHasher()
TOKEN_PREFIX = "tya_"  # recognisable in logs and secret scanners


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a real hash when the user does not exist keeps the timing the same,
# so a login does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not a real password")


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are long and random, so a fast hash is enough (no salt or stretching needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def same_secret(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a, b)


def new_join_code() -> str:
    # No 0/O or 1/I: codes are read aloud and copied from slides.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key: a sliding window kept in the
    store (``arena_rate_events``), so that every server process on the database, on any
    machine, counts the same events. Events of one key are counted in turn (see
    ``store.counters.take_turn``)."""

    def __init__(self, name: str, limit: int, window: float = 60.0):
        self.name = name
        self.limit = limit
        self.window = window

    def retry_after(self, key: str) -> float:
        """0 if an event for ``key`` is allowed now (and counts it), else seconds to wait."""
        key = f"{self.name}:{key}"[:200]
        with session_scope() as session:
            take_turn(session, f"rate:{key}")
            now = time.time()  # read in turn: the events before it are all in
            session.execute(delete(RateEvent).where(RateEvent.key == key,
                                                    RateEvent.at <= now - self.window))
            counted, oldest = session.execute(select(func.count(), func.min(RateEvent.at))
                                              .where(RateEvent.key == key)).one()
            if counted >= self.limit:
                return oldest + self.window - now
            session.add(RateEvent(key=key, at=now))
            return 0.0


def shared_secret(name: str, first: Callable[[], str]) -> str:
    """The secret kept in the store under ``name`` (so every server process on the database
    signs and checks cookies alike); the first process to ask stores ``first()``."""
    with session_scope() as session:
        found = session.get(ArenaSecret, name)
        if found is not None:
            return found.value
    try:
        with session_scope() as session:
            session.add(ArenaSecret(name=name, value=first()))
    except IntegrityError:  # another process stored it first: theirs is the one
        pass
    with session_scope() as session:
        return session.get(ArenaSecret, name).value
