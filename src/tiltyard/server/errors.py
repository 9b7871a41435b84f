"""The errors the arena raises, each with its HTTP status, and the handlers that turn every
error (ours, FastAPI's validation errors, Starlette's 404/405) into ONE JSON shape:
``TiltyardError.info()`` (errors.ErrorInfo) — code, message, expected, got, hint. Pages get the same fields
rendered as HTML."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tiltyard.errors import ChallengeNotFound, SubmissionError, SubmissionNotFound, TiltyardError

log = logging.getLogger("tiltyard.server")


class ArenaError(TiltyardError):
    status = 400


class NotAuthenticated(ArenaError):
    code, status = "not_authenticated", 401


class Forbidden(ArenaError):
    code, status = "forbidden", 403


class NotFound(ArenaError):
    code, status = "not_found", 404


class Conflict(ArenaError):
    code, status = "conflict", 409


class PayloadTooLarge(ArenaError):
    code, status = "payload_too_large", 413


class InvalidInput(ArenaError):
    code, status = "invalid_input", 422


class RateLimited(ArenaError):
    code, status = "rate_limited", 429

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None, **kwargs):
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(message, got=kwargs.pop("got", None),
                         hint=hint or f"Wait {in_words(self.retry_after)} and try again",
                         **kwargs)


def in_words(seconds: float) -> str:
    """A wait as a person reads it: "14 h 22 min", "3 min", "40 s"."""
    seconds = max(0, int(seconds + 0.999))
    if seconds < 60:
        return f"{seconds} s"
    minutes = (seconds + 59) // 60  # rounded up: "in 1 min" never means "right now"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def status_of(error: TiltyardError) -> int:
    if isinstance(error, ArenaError):
        return error.status
    if isinstance(error, (ChallengeNotFound, SubmissionNotFound)):
        return 404
    if isinstance(error, SubmissionError):
        return 422
    return 400


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and \
        "text/html" in request.headers.get("accept", "")


def error_response(request: Request, error: TiltyardError, status: int) -> Response:
    headers = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if wants_html(request):
        if status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        # The pages import this module's errors; rendering is imported when an error page is drawn.
        from tiltyard.server.pages.rendering import render

        return render(request, "error.html", {"error": error.info().model_dump(), "status": status},
                      status_code=status, headers=headers)
    return JSONResponse(error.info().model_dump(), status_code=status, headers=headers)


def _describe_validation(exc: RequestValidationError) -> TiltyardError:
    problems = exc.errors()
    first = problems[0] if problems else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    got = first.get("input")
    got_text = "nothing" if got is None else repr(got)[:200]
    return InvalidInput(f"The request is not valid at {where or 'the body'}: "
                        f"{first.get('msg', 'invalid value')}",
                        expected=f"{where}: {first.get('msg', 'a valid value')}".replace(
                            "Field required", "a value (it is required)"),
                        got=got_text + (f" (and {len(problems) - 1} more problems)"
                                        if len(problems) > 1 else ""),
                        hint="See the schema at /api/v1/openapi.json or /docs")


_HTTP_CODES = {404: ("not_found", "There is no such page or resource",
                     "a path listed in /api/v1/openapi.json or linked from /",
                     "Check the address; ids come from the list endpoints"),
               405: ("method_not_allowed", "This method is not allowed here",
                     "a method the OpenAPI spec lists for this path",
                     "See /api/v1/openapi.json")}


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(TiltyardError)
    async def tiltyard_error(request: Request, error: TiltyardError):
        return error_response(request, error, status_of(error))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return error_response(request, _describe_validation(exc), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code, message, expected, hint = _HTTP_CODES.get(
            exc.status_code, ("http_error", str(exc.detail), "a valid request", "See /docs"))
        error = TiltyardError(message, code=code, expected=expected,
                              got=f"{request.method} {request.url.path}", hint=hint)
        return error_response(request, error, exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        error = TiltyardError("The server failed on this request", code="internal_error",
                              expected="a response", got=type(exc).__name__,
                              hint="This is a bug in Tiltyard; the server log has the traceback")
        return error_response(request, error, 500)
