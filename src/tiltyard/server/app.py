"""The app factory: middleware (signed-cookie sessions, upload limit, security headers), the
API and page routers, the error handlers, and a lifespan that prepares the store, the first
admin and the grading worker."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from tiltyard.server.accounts import ensure_admin
from tiltyard.server.api import router as api_router
from tiltyard.server.api_docs import install_api_docs
from tiltyard.server.errors import install_handlers
from tiltyard.server.grading import recover_received
from tiltyard.server.grading_processes import GradingProcesses
from tiltyard.server.kept import Kept
from tiltyard.server.middleware import UploadLimitAndSecurityHeaders
from tiltyard.server.pages import router as pages_router
from tiltyard.server.pages.rendering import compile_pages
from tiltyard.server.security import RateLimiter
from tiltyard.server.settings import ArenaSettings, get_arena_settings
from tiltyard.server.threads import start_threads
from tiltyard.store import open_session

log = logging.getLogger("tiltyard.server")
STATIC = Path(__file__).parent / "static"


def prepare_store(arena: ArenaSettings) -> str | None:
    """Migrate, then make sure there is an admin; returns a setup link if one must be printed."""
    with open_session() as session:
        token = ensure_admin(session, arena.admin_username, arena.admin_password)
    if token is None:
        return None
    return f"{arena.public_url.rstrip('/')}/setup/{token}"


def start_arena(arena: ArenaSettings) -> str | None:
    """Once per arena start, before any request: prepare the store (printing the setup link if
    one is needed) and queue what was waiting. Returns the setup link."""
    link = prepare_store(arena)
    if link:
        # Printed, not logged: it is a one-time secret for whoever started the server.
        print(f"No admin yet. Open this link once to create one:\n  {link}", flush=True)
    waiting = recover_received()
    if waiting:
        log.info("%d submissions were waiting to be graded; they are queued", waiting)
    return link


SWEEP_SECONDS = 5.0


async def _sweep_received() -> None:
    """Every few seconds, what a start does (``recover_received``): no submission stays
    ``received`` because its server died before enqueueing it, or because its job failed for
    good while no server was watching (a worker killed on every attempt). Idempotent, so every
    server process may sweep."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await run_in_threadpool(recover_received)
        except Exception:  # noqa: BLE001 - a sweep that fails is tried again next time
            log.exception("sweeping received submissions failed")


def create_app(arena: ArenaSettings | None = None, *, grade_in_background: bool = True,
               started: bool = False, serving: bool = False) -> FastAPI:
    """The arena's app. ``started``: ``start_arena`` ran already (``tiltyard serve
    --processes N`` runs it once in the supervisor, not once per server process).
    ``serving``: the app is this process's whole life (not a test's), so once started its
    request threads are started, its routes prepared, its pages compiled, and what is loaded
    is frozen out of the garbage collector's sight (``gc.freeze``): a full collection then
    walks only what requests made. Unfrozen, one stopped every request for 150 ms (measured
    under benchmarks/server.py), which was the whole p99 of a busy page."""
    arena = arena or get_arena_settings()
    arena.enter_arena()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not started:
            app.state.setup_link = start_arena(arena)
        if grade_in_background:
            app.state.graders.start()
        sweeping = asyncio.create_task(_sweep_received())
        if serving:
            start_threads()
            _prepare_routes(app)
            compile_pages()
            gc.collect()
            gc.freeze()
        yield
        sweeping.cancel()
        app.state.graders.stop()

    app = FastAPI(title="Tiltyard arena", version="1",
                  summary="Classes, competitions and leaderboards over Tiltyard challenges",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.arena = arena
    app.state.graders = GradingProcesses(arena.grading_workers, arena.grading_concurrency,
                                         arena.grading_lease_seconds, arena.grading_niceness)
    app.state.login_limiter = RateLimiter("login", arena.login_attempts_per_minute)
    app.state.submit_limiter = RateLimiter("submit", arena.submissions_per_minute)
    app.state.setup_link = None
    app.state.kept_pages = Kept()  # one per app: a fresh one (a test's, a restart's) keeps none

    app.add_middleware(UploadLimitAndSecurityHeaders)  # inside the session middleware
    app.add_middleware(SessionMiddleware, secret_key=arena.session_secret(),
                       session_cookie="tiltyard_session", same_site="lax",
                       https_only=arena.secure_cookies, max_age=14 * 24 * 3600)
    install_handlers(app)


    app.include_router(api_router)
    app.include_router(pages_router)
    install_api_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _prepare_routes(app: FastAPI) -> None:
    """FastAPI prepares a router's routes (their dependencies and parameter models) on the
    first request that walks that router, on the event loop: 65 ms measured for the pages,
    a stall of every request in a freshly started server's first burst. A path no route
    has walks them all."""
    scope = {"type": "http", "method": "GET", "path": "/-prepare-routes", "root_path": "",
             "query_string": b"", "headers": [], "app": app}
    for route in app.router.routes:
        route.matches(scope)


def one_of_several_processes() -> FastAPI:
    """The app each of ``tiltyard serve --processes N``'s server processes imports: the
    supervisor started the arena and its grading workers; this process only serves."""
    return create_app(grade_in_background=False, started=True, serving=True)
