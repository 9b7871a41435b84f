"""Rate limits the routes share (kept in the store for every server process; see\nsecurity.RateLimiter)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tiltyard.server.errors import RateLimited
from tiltyard.server.models import User


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_login_rate(request: Request) -> None:
    wait = request.app.state.login_limiter.retry_after(client_address(request))
    if wait:
        raise RateLimited("Too many sign-in attempts from this address", retry_after=wait,
                          expected=f"at most {request.app.state.login_limiter.limit} a minute",
                          got="more")


async def check_submission_rate(request: Request, user: User, session: Session) -> None:
    """From the async upload routes: the count is a write to the store, off the event loop.
    The request's own session gives its connection back first (its objects stay readable),
    so that a request never holds two connections while uploads crowd the pool."""
    session.commit()
    wait = await run_in_threadpool(request.app.state.submit_limiter.retry_after,
                                   f"user:{user.id}")
    if wait:
        raise RateLimited("Too many submissions in a short time", retry_after=wait,
                          expected=f"at most {request.app.state.submit_limiter.limit} a minute",
                          got="more")
