"""Jinja2 rendering: every page gets the signed-in user and the session's CSRF token."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, TemplateNotFound
from markdown_it import MarkdownIt
from markupsafe import Markup

from tiltyard.errors import TiltyardError
from tiltyard.plugins import get_kind
from tiltyard.server.models import aware
from tiltyard.server.security import new_csrf_token
from tiltyard.submissions import FINAL_CHANGES_PER_CHALLENGE


class KindPartials(BaseLoader):
    """``KIND/SECTION.html`` from the kind's own template folder (ChallengeKind.templates)."""

    def get_source(self, environment, template: str):
        kind_name, _, rest = template.partition("/")
        try:
            folder = get_kind(kind_name).templates
        except TiltyardError:
            folder = None
        if not rest or folder is None:
            raise TemplateNotFound(template)
        return FileSystemLoader(str(folder)).get_source(environment, template)


TEMPLATES = Path(__file__).parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.loader = ChoiceLoader([templates.env.loader, KindPartials()])


def compile_pages() -> None:
    """Compile the arena's own templates now, not on each page's first view: they take
    0.6 s together (23 ms each on average), which the first learners of a freshly started
    server would otherwise wait, each page's first viewers all at once."""
    for path in sorted(TEMPLATES.glob("*.html")):
        templates.env.get_template(path.name)
# Briefs are written by the server's own instructors; raw HTML in them is still not trusted.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _when(value: datetime | None) -> str:
    return "" if value is None else aware(value).strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["score"] = _score
templates.env.filters["when"] = _when
templates.env.filters["markdown"] = lambda text: Markup(_markdown.render(text or ""))


def without_title(markdown: str) -> str:
    """A brief opens with '# Title'; the page already shows the title as its heading."""
    first, _, rest = (markdown or "").partition("\n")
    return rest.lstrip("\n") if first.startswith("# ") else markdown


templates.env.filters["without_title"] = without_title
templates.env.globals["final_changes_allowed"] = FINAL_CHANGES_PER_CHALLENGE
# Vega-Lite specs go into <script type="application/json">; escape "</" so data cannot end it.
templates.env.filters["spec"] = lambda spec: Markup(json.dumps(spec).replace("</", "<\\/"))


FRAGMENTS_PER_BOARD = 512  # viewers whose copy of a cached board's table is kept


def board_table(board, user) -> Markup:
    """The board's table as HTML, drawn once per viewer (their own row is marked) for as long
    as the board is cached: a cached board is never changed, only replaced."""
    who = user.username if user else None
    fragments = board.__dict__.setdefault("_tables", {})
    table = fragments.get(who)
    if table is None:
        table = Markup(templates.get_template("_board.html").render(board=board, user=user))
        if len(fragments) < FRAGMENTS_PER_BOARD:
            fragments[who] = table
    return table


templates.env.globals["board_table"] = board_table


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return token


def render(request: Request, name: str, context: dict | None = None, *, status_code: int = 200,
           headers: dict | None = None):
    context = dict(context or {})
    context.setdefault("user", getattr(request.state, "user", None))
    context["csrf_token"] = csrf_token(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code,
                                      headers=headers)


# Stands for the session's CSRF token in a page drawn to be kept (server/kept.py): the token is
# the session's, not the page's, so it goes in as the page is served. Drawn per process, so
# no text a user wrote can contain it.
_CSRF_STAND_IN = f"csrf-{secrets.token_hex(16)}"


def render_to_keep(request: Request, name: str, context: dict) -> str:
    """The page as ``render`` draws it, without the session's CSRF token: for ``serve_kept``."""
    context = {"user": getattr(request.state, "user", None), **context, "request": request,
               "csrf_token": _CSRF_STAND_IN}
    return templates.get_template(name).render(context)


def serve_kept(request: Request, page: str) -> HTMLResponse:
    """A page from ``render_to_keep``, with this session's CSRF token."""
    return HTMLResponse(page.replace(_CSRF_STAND_IN, csrf_token(request)))
