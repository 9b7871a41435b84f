"""Server-rendered pages (Jinja2 + HTMX). Core flows work without JavaScript: every action is
a form that posts and redirects."""

from fastapi import APIRouter

from tiltyard.server.pages import accounts, admin, challenges, classes, competitions, grids, submissions

router = APIRouter(include_in_schema=False)
for module in (accounts, challenges, submissions, classes, competitions, grids, admin):
    router.include_router(module.router)
